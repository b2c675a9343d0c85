// Which frontend a `kiln worker` connects to next, and how long it waits first. The worker
// is given every frontend of the farm; it starts at a random one (so that workers spread)
// and, whenever its stream ends or cannot be opened, moves on to the next one in the list,
// cycling. The wait before each attempt is a bounded exponential backoff with jitter:
//   - after a stream the frontend had accepted, the first delay (a frontend that went away
//     costs only that before the next one is tried);
//   - after each failed attempt in a row, twice the previous delay, up to the maximum;
//   - each delay drawn from its upper half, so that the workers of a frontend that died
//     do not all arrive at the next one at the same moment.
// No clock and no gRPC: the caller waits, and the randomness is injected for tests.
// Not thread-safe (the worker's connecting thread owns it).
#pragma once

#include <cstddef>
#include <functional>

#include "common/clock.h"

namespace kiln {

struct FrontendRotationOptions {
  size_t frontends = 1;
  Duration initial_backoff = std::chrono::milliseconds(500);
  Duration max_backoff = std::chrono::seconds(10);
  // Uniform in [0, 1); picks the first frontend and the jitter. Default: a seeded engine.
  std::function<double()> random;
};

class FrontendRotation {
 public:
  // REQUIRES: options.frontends >= 1, 0 < initial_backoff <= max_backoff.
  explicit FrontendRotation(FrontendRotationOptions options);

  // The frontend (an index into the worker's list) to connect to next.
  size_t current() const { return current_; }
  // The stream to current() was accepted and has now ended: moves to the next frontend and
  // returns the delay before connecting to it, the first backoff step (failures from here
  // on grow from it afresh).
  Duration AfterSession();
  // Connecting to current() failed: moves to the next frontend and returns the delay,
  // which grows with each failure in a row.
  Duration AfterFailure();

 private:
  Duration Jittered(Duration base);
  void Advance() { current_ = (current_ + 1) % options_.frontends; }

  FrontendRotationOptions options_;
  size_t current_ = 0;
  Duration next_base_;  // The undithered delay after the next failure.
};

}  // namespace kiln
