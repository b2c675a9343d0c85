// `kiln bench`: a load generator for any REAPI server (not only kiln), speaking the public
// wire protocol. Measures this machine's limits first, then runs each scenario for a fixed
// duration and prints a table (and optionally JSON).
#pragma once

#include <string>
#include <vector>

namespace kiln {

int RunBenchCommand(const std::vector<std::string>& args);

}  // namespace kiln
