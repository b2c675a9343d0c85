// The target a frontend tells the rest of its farm to reach it at (kiln serve --advertise),
// when the operator gave none: the host it listens on with its bound port -- or, when it
// listens on all addresses, the host's name, which the others can resolve where a wildcard
// address means nothing -- and grpcs:// when it serves TLS.
#pragma once

#include <string>

namespace kiln {

// `listen` as given (HOST:PORT, [V6]:PORT); `host_name` what gethostname says.
std::string DefaultAdvertisedTarget(const std::string& listen, int bound_port, bool tls, const std::string& host_name);

}  // namespace kiln
