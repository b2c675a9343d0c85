// How many actions a machine runs at once unless told otherwise: two per core.
//
// A sandboxed action spends part of its life where its core has nothing to do: waiting for
// its sandbox's processes to be torn down, for RCU grace periods, for its result to be
// stored. With one slot per core, 2 cores ran 700 trivial actions/s and stayed 9% idle;
// with two slots per core, 845/s (`kiln bench`, scenario execute_uncached_parallel). Long
// CPU-bound actions gain nothing and lose little: two share a core, so each takes twice as
// long, at the same total throughput.
#pragma once

#include <algorithm>
#include <thread>

namespace kiln {

inline int DefaultSlotsPerMachine() { return 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

}  // namespace kiln
