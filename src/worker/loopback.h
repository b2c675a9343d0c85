// Bringing up `lo` in the calling thread's network namespace: a new namespace has only
// that interface, and it is down. Used by the sandbox's init (which must stay
// async-signal-safe: no allocation) and by the network namespace pool.
#pragma once

namespace kiln {

// 0, or -1 with errno set.
int BringUpLoopback();

}  // namespace kiln
