// `kiln attack`: tries a REAPI server the way a hostile or careless client would (abandoned
// uploads, zstd bombs, fork bombs, memory hogs, log floods, input tree bombs, log stream
// floods), each for a while, and measures meanwhile whether everyone else is still served
// (GetCapabilities on old and new connections). Loopback or a test server only: it is an
// attack.
#pragma once

#include <string>
#include <vector>

namespace kiln {

int RunAttackCommand(const std::vector<std::string>& args);
// Not for people: `kiln attack-probe TARGET INSTANCE [connection flags]`, the probe process
// `kiln attack` starts (bench/probe_process.h).
int RunAttackProbeCommand(const std::vector<std::string>& args);

}  // namespace kiln
