#include "scheduler/platform.h"

#include <sys/utsname.h>

#include <algorithm>

namespace kiln {
namespace {

// The REAPI lexicon's ISA names; anything else is passed through as uname reports it.
std::string HostIsa() {
#if defined(__x86_64__)
  return "x86-64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  utsname host{};
  if (uname(&host) != 0) return "unknown";
  const std::string machine = host.machine;
  if (machine == "x86_64" || machine == "amd64") return "x86-64";
  if (machine == "arm64") return "aarch64";
  return machine;
#endif
}

}  // namespace

Platform::Platform(std::vector<std::pair<std::string, std::string>> properties)
    : properties_(std::move(properties)) {
  std::sort(properties_.begin(), properties_.end());
  properties_.erase(std::unique(properties_.begin(), properties_.end()), properties_.end());
}

bool Platform::Satisfies(const Platform& required) const {
  // Both lists are sorted and duplicate-free, so this is one linear merge.
  return std::includes(properties_.begin(), properties_.end(), required.properties_.begin(),
                       required.properties_.end());
}

std::string Platform::ToString() const {
  std::string text;
  for (const auto& [name, value] : properties_) {
    if (!text.empty()) text += ',';
    text += name;
    text += '=';
    text += value;
  }
  return text;
}

Platform HostDefaultPlatform() { return Platform({{"OSFamily", "linux"}, {"ISA", HostIsa()}}); }

StatusOr<std::pair<std::string, std::string>> ParsePlatformProperty(std::string_view text) {
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos) {
    return Status::InvalidArgument("platform property \"" + std::string(text) + "\" is not of the form KEY=VALUE");
  }
  if (equals == 0) {
    return Status::InvalidArgument("platform property \"" + std::string(text) + "\" has no name");
  }
  return std::pair<std::string, std::string>(text.substr(0, equals), text.substr(equals + 1));
}

Status ParsePlatformProperties(const std::vector<std::string>& texts,
                               std::vector<std::pair<std::string, std::string>>& properties) {
  for (const std::string& text : texts) {
    auto property = ParsePlatformProperty(text);
    if (!property.ok()) return property.status();
    properties.push_back(*std::move(property));
  }
  return Status::Ok();
}

}  // namespace kiln
