// Worker slots inside the kiln serve process. Each slot is a thread that asks the
// scheduler for work (the request waits inside the scheduler, no polling), runs the action
// with an ActionExecutor on the local disk CAS (following its output into log streams while
// it runs), records the outcome and asks again.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ac/action_cache.h"
#include "execution/action_metrics.h"
#include "logstream/log_stream_registry.h"
#include "scheduler/scheduler.h"
#include "worker/action_executor.h"

namespace kiln {

struct LocalWorkerPoolOptions {
  std::string worker_id = "local";
  int slots = 1;
  Platform platform;  // Offered in addition to the host defaults.
  ActionExecutorOptions executor;  // work_root is per pool; each action gets its own dir.
  // Where running actions publish their stdout/stderr live; null: no live output.
  LogStreamRegistry* log_streams = nullptr;
  // Records each action's phases and outcome; null: no metrics.
  ActionMetrics* metrics = nullptr;
};

class LocalWorkerPool {
 public:
  LocalWorkerPool(Scheduler* scheduler, ActionCache* cache, const LocalWorkerPoolOptions& options);
  ~LocalWorkerPool();  // Stops if running.

  // Registers the worker with the scheduler and starts the slots.
  void Start();
  // Withdraws pending work requests, cancels running actions and joins the slots.
  void Stop();

 private:
  void RunSlot();

  Scheduler* scheduler_;
  ActionCache* cache_;
  LocalWorkerPoolOptions options_;
  ActionExecutor executor_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::mutex running_mutex_;
  std::vector<std::shared_ptr<std::atomic<bool>>> running_;  // Cancellation flags of running actions.
};

}  // namespace kiln
