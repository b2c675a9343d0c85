#include "http/request_target.h"

#include "common/hex_digit.h"

namespace kiln {

StatusOr<RequestTarget> ParseRequestTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') return Status::InvalidArgument("the request target must start with /");
  RequestTarget parsed;
  const size_t question = target.find('?');
  if (question != std::string_view::npos) {
    parsed.query = std::string(target.substr(question + 1));
    target = target.substr(0, question);
  }
  parsed.path.reserve(target.size());
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] != '%') {
      parsed.path.push_back(target[i]);
      continue;
    }
    const int high = i + 2 < target.size() ? HexDigitValue(target[i + 1]) : -1;
    const int low = high >= 0 ? HexDigitValue(target[i + 2]) : -1;
    if (low < 0) return Status::InvalidArgument("bad %-escape in the request path");
    if (high == 0 && low == 0) return Status::InvalidArgument("the request path may not contain NUL");
    parsed.path.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return parsed;
}

}  // namespace kiln
