// SIGINT and SIGTERM, taken synchronously by `kiln serve` and `kiln worker`: shutdown then
// runs on a normal thread, where it may lock and join, instead of in a signal handler.
#pragma once

#include <signal.h>

namespace kiln {

class StopSignals {
 public:
  // Blocks both signals in this thread; every thread started afterwards (gRPC's, worker
  // slots) inherits the mask, so none of them is interrupted by the signals either.
  StopSignals();

  // Waits for SIGINT or SIGTERM and returns its name ("SIGINT", "SIGTERM").
  const char* Wait();

 private:
  sigset_t signals_;
};

}  // namespace kiln
