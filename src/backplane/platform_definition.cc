#include "backplane/platform_definition.h"

namespace kiln {
namespace {

void AppendEscaped(std::string_view text, bool escape_equals, std::string& out) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '=' && escape_equals) {
      out += "\\=";
    } else {
      out += c;
    }
  }
}

}  // namespace

std::string PlatformDefinition(const Platform& platform) {
  std::string out;
  for (const auto& [name, value] : platform.properties()) {
    AppendEscaped(name, /*escape_equals=*/true, out);
    out += '=';
    AppendEscaped(value, /*escape_equals=*/false, out);
    out += '\n';
  }
  return out;
}

Platform ParsePlatformDefinition(std::string_view definition) {
  std::vector<std::pair<std::string, std::string>> properties;
  std::string name, value;
  bool in_value = false;
  for (size_t i = 0; i < definition.size(); ++i) {
    char c = definition[i];
    std::string& part = in_value ? value : name;
    if (c == '\\' && i + 1 < definition.size()) {
      const char next = definition[++i];
      part += next == 'n' ? '\n' : next;
    } else if (c == '=' && !in_value) {
      in_value = true;
    } else if (c == '\n') {
      properties.emplace_back(std::exchange(name, {}), std::exchange(value, {}));
      in_value = false;
    } else {
      part += c;
    }
  }
  return Platform(std::move(properties));
}

}  // namespace kiln
