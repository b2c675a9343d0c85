// Whether a listen address reaches beyond this machine, and what kiln serve then demands:
// without an auth file anyone who reaches the port could run commands on the workers, read
// every blob and poison the action cache, so a server listening on anything but loopback
// refuses to start unless it has an auth file, or the operator explicitly accepts
// anonymous access (--allow-anonymous-network-access, with a warning).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln {

// True for 127.0.0.0/8, ::1, "localhost" and unix: sockets; false for everything else,
// wildcards (0.0.0.0, [::]) and host names included.
bool IsLoopbackListenAddress(std::string_view listen);

// FAILED_PRECONDITION, saying what to configure, when `listen` is not loopback, there is no
// auth file and anonymous network access was not allowed. `warning` receives the text to
// print when it was allowed (empty otherwise).
Status CheckNetworkExposure(std::string_view listen, bool has_auth_file, bool allow_anonymous_network_access,
                            std::string* warning);

}  // namespace kiln
