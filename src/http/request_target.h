// A request line's target ("/team%2Fa/cas/0a1b?x=1") as handlers want it: the path
// percent-decoded, the query left raw. INVALID_ARGUMENT (400) for what no handler should
// see: a target that is not an absolute path, bad %-escapes, a decoded NUL.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln {

struct RequestTarget {
  std::string path;
  std::string query;
};

StatusOr<RequestTarget> ParseRequestTarget(std::string_view target);

}  // namespace kiln
