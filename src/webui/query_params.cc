#include "webui/query_params.h"

#include <charconv>

#include "common/hex_digit.h"

namespace kiln {
namespace {

std::string Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && HexDigitValue(text[i + 1]) >= 0 && HexDigitValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigitValue(text[i + 1]) * 16 + HexDigitValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

QueryParams QueryParams::Parse(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    const size_t end = query.find('&');
    const std::string_view pair = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    if (equals == std::string_view::npos) {
      params.values_[Decode(pair)] = "";
    } else {
      params.values_[Decode(pair.substr(0, equals))] = Decode(pair.substr(equals + 1));
    }
  }
  return params;
}

std::optional<std::string> QueryParams::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string QueryParams::GetOr(const std::string& name, std::string fallback) const {
  auto value = Get(name);
  return value ? *value : std::move(fallback);
}

StatusOr<std::optional<int64_t>> QueryParams::GetInt(const std::string& name) const {
  auto value = Get(name);
  if (!value || value->empty()) return std::optional<int64_t>();
  int64_t number = 0;
  const char* end = value->data() + value->size();
  auto [ptr, error] = std::from_chars(value->data(), end, number);
  if (error != std::errc() || ptr != end) {
    return Status::InvalidArgument("query parameter " + name + " is not an integer: \"" + *value + "\"");
  }
  return std::optional<int64_t>(number);
}

}  // namespace kiln
