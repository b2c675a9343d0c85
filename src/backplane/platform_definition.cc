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

}  // namespace kiln
