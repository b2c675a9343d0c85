// `kiln worker`: runs actions on this host for a frontend (`kiln serve`) elsewhere.
#pragma once

#include <string>
#include <vector>

namespace kiln {

int RunWorkerCommand(const std::vector<std::string>& args);

}  // namespace kiln
