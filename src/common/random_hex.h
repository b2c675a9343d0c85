// Unguessable identifiers: hex of bytes from the kernel's CSPRNG (getrandom). For names that
// are the only handle on something (operation names, log stream write tokens), so that no
// one can derive one from others they have seen, as they could from a seeded PRNG's output.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace kiln {

// 2 * `bytes` lowercase hex digits. INTERNAL only if the kernel refuses (it does not once
// its entropy pool is initialized, which happens early in boot).
StatusOr<std::string> RandomHex(size_t bytes);

}  // namespace kiln
