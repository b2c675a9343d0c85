// The comma-separated lists of names `kiln bench --scenario` and `kiln attack --attack` take.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace kiln {

// "" means all of `known`. INVALID_ARGUMENT for an unknown name (listing the known ones, as
// `kind`s) or a list that names none.
StatusOr<std::vector<std::string>> ParseNameList(const std::string& text, const std::vector<std::string>& known,
                                                 const std::string& kind);

}  // namespace kiln
