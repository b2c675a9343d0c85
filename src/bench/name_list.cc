#include "bench/name_list.h"

#include <algorithm>
#include <sstream>

namespace kiln {

StatusOr<std::vector<std::string>> ParseNameList(const std::string& text, const std::vector<std::string>& known,
                                                 const std::string& kind) {
  if (text.empty()) return known;
  std::vector<std::string> names;
  std::istringstream stream(text);
  std::string name;
  while (std::getline(stream, name, ',')) {
    if (name.empty()) continue;
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (const std::string& candidate : known) list += (list.empty() ? "" : ", ") + candidate;
      return Status::InvalidArgument("unknown " + kind + " \"" + name + "\" (known: " + list + ")");
    }
    names.push_back(name);
  }
  if (names.empty()) return Status::InvalidArgument("no " + kind + " named in \"" + text + "\"");
  return names;
}

}  // namespace kiln
