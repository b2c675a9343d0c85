// `kiln serve`: the all-in-one frontend.
#pragma once

#include <string>
#include <vector>

namespace kiln {

int RunServeCommand(const std::vector<std::string>& args);

}  // namespace kiln
