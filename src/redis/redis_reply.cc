#include "redis/redis_reply.h"

#include <cstdio>

namespace kiln::redis {

std::string_view Reply::error_code() const {
  if (type != Type::kError) return {};
  std::string_view view(text);
  return view.substr(0, view.find(' '));
}

namespace {

void AppendQuoted(std::string_view text, std::string& out) {
  out += '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  out += '"';
}

void AppendDebug(const Reply& reply, std::string& out) {
  switch (reply.type) {
    case Reply::Type::kNil: out += "(nil)"; return;
    case Reply::Type::kInteger: out += "(integer) " + std::to_string(reply.integer); return;
    case Reply::Type::kString: AppendQuoted(reply.text, out); return;
    case Reply::Type::kStatus: out += "+" + reply.text; return;
    case Reply::Type::kError: out += "-" + reply.text; return;
    case Reply::Type::kArray:
      out += '[';
      for (size_t i = 0; i < reply.elements.size(); ++i) {
        if (i > 0) out += ", ";
        AppendDebug(reply.elements[i], out);
      }
      out += ']';
      return;
  }
}

}  // namespace

std::string Reply::DebugString() const {
  std::string out;
  AppendDebug(*this, out);
  return out;
}

}  // namespace kiln::redis
