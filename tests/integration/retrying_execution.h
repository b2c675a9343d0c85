// A remote-execution client that retries the way Bazel does, over several frontends (as a
// load balancer would spread it): when a call breaks after the operation was named, it
// resumes with WaitExecution on another frontend; when the operation is gone (NOT_FOUND) or
// ended UNAVAILABLE (lost with a frontend or a Redis failover, or given up after its
// attempts), it executes again. What the farm chaos test drives the farm with.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "execution_util.h"

namespace kiln_test {

struct RetryPolicy {
  int max_calls = 16;  // Execute and WaitExecution calls in all.
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
  // Each call's deadline: a call that reaches it means an operation that made no progress
  // for that long (stuck), which the caller counts as a failure.
  std::chrono::seconds call_deadline{45};
  // No call starts after this, and none runs past it (the default: no bound).
  std::chrono::steady_clock::time_point give_up_at = std::chrono::steady_clock::time_point::max();
};

struct RetriedExecution {
  bool succeeded = false;  // Completed with an OK ExecuteResponse.status.
  reapi::ExecuteResponse response;  // The last complete one.
  int executes = 0;
  int waits = 0;
  int deadlines_reached = 0;  // Calls that hit call_deadline: stuck operations.
  // One line per call: which frontend, what it did, how it ended (for failure messages).
  std::vector<std::string> history;
};

// Runs `action` on one of `frontends`, starting with `first`, until it completes with an OK
// status, fails for a reason no retry helps, or max_calls are spent. Thread-safe (each call
// has its own stubs).
RetriedExecution ExecuteWithRetries(const std::vector<std::shared_ptr<grpc::Channel>>& frontends, size_t first,
                                    const reapi::Digest& action, const RetryPolicy& policy = RetryPolicy());

}  // namespace kiln_test
