#include "worker/executable_search.h"

#include <string_view>

namespace kiln {

std::vector<std::string> ExecutableCandidates(const std::string& argv0,
                                              const std::vector<std::pair<std::string, std::string>>& environment) {
  if (argv0.empty()) return {};
  if (argv0.find('/') != std::string::npos) return {argv0};
  std::string_view search_path = kDefaultSearchPath;
  for (const auto& [name, value] : environment) {
    if (name == "PATH") {
      search_path = value;
      break;  // The first definition, the one getenv() in the command would see.
    }
  }
  std::vector<std::string> candidates;
  while (true) {
    size_t colon = search_path.find(':');
    std::string_view element = search_path.substr(0, colon);
    candidates.push_back(element.empty() ? "./" + argv0 : std::string(element) + "/" + argv0);
    if (colon == std::string_view::npos) break;
    search_path.remove_prefix(colon + 1);
  }
  return candidates;
}

}  // namespace kiln
