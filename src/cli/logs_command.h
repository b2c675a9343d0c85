// `kiln logs OPERATION`: tails a running action's stdout and stderr from a terminal.
#pragma once

#include <string>
#include <vector>

namespace kiln {

int RunLogsCommand(const std::vector<std::string>& args);

}  // namespace kiln
