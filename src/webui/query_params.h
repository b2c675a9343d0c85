// The query string of a web UI request ("state=completed&instance=team%2Fa"), decoded:
// what the pages' filters and links pass to the JSON endpoints.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln {

class QueryParams {
 public:
  // '+' is a space and %XX a byte, as forms encode them; a bad escape is kept as is. A
  // name given twice keeps its last value.
  static QueryParams Parse(std::string_view query);

  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, std::string fallback) const;
  // nullopt when absent or empty; INVALID_ARGUMENT when not a decimal integer.
  StatusOr<std::optional<int64_t>> GetInt(const std::string& name) const;

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace kiln
