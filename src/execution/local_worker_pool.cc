#include "execution/local_worker_pool.h"

#include <algorithm>
#include <future>

#include "execution/action_log_streams.h"
#include "execution/outcome_recorder.h"

namespace kiln {

LocalWorkerPool::LocalWorkerPool(Scheduler* scheduler, ActionCache* cache, const LocalWorkerPoolOptions& options)
    : scheduler_(scheduler), cache_(cache), options_(options), executor_(options.executor) {}

LocalWorkerPool::~LocalWorkerPool() { Stop(); }

void LocalWorkerPool::Start() {
  std::vector<std::pair<std::string, std::string>> properties = HostDefaultPlatform().properties();
  for (const auto& property : options_.platform.properties()) properties.push_back(property);
  scheduler_->AddWorker(options_.worker_id, Platform(std::move(properties)), options_.slots);
  for (int i = 0; i < options_.slots; ++i) threads_.emplace_back([this] { RunSlot(); });
}

void LocalWorkerPool::Stop() {
  if (threads_.empty()) return;
  stopping_ = true;
  scheduler_->CancelWorkRequests(options_.worker_id);
  {
    std::lock_guard lock(running_mutex_);
    for (auto& cancelled : running_) *cancelled = true;
  }
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  scheduler_->RemoveWorker(options_.worker_id);
}

void LocalWorkerPool::RunSlot() {
  while (!stopping_) {
    std::promise<std::optional<WorkAssignment>> promise;
    auto next = promise.get_future();
    // The callback may run on another thread (whoever enqueues matching work).
    scheduler_->RequestWork(options_.worker_id, [&promise](std::optional<WorkAssignment> assignment) {
      promise.set_value(std::move(assignment));
    });
    std::optional<WorkAssignment> assignment = next.get();
    if (!assignment) {
      // Withdrawn: we are stopping, or the scheduler shut down. Never spin on withdrawals.
      if (stopping_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    {
      std::lock_guard lock(running_mutex_);
      running_.push_back(assignment->cancelled);
    }
    if (stopping_) *assignment->cancelled = true;
    const QueuedAction& action = *assignment->action;
    std::optional<ActionLogStreams> logs = CreateActionLogStreams(options_.log_streams, action.instance_name);
    std::unique_ptr<OutputFollower> follower;
    if (logs) follower = FollowIntoLogStreams(options_.log_streams, *logs);
    scheduler_->ReportExecuting(assignment->operation_name, options_.worker_id, assignment->attempt,
                                logs ? logs->read_names() : OutputStreamNames{});
    ExecutionOutcome outcome = executor_.Execute(action.action_digest, action.action, action.command,
                                                 *assignment->cancelled, follower.get());
    follower.reset();  // Finalizes the streams: their readers end with the action.
    scheduler_->ReportCompleted(assignment->operation_name, options_.worker_id, assignment->attempt,
                                RecordOutcome(*cache_, action, std::move(outcome), options_.metrics));
    std::lock_guard lock(running_mutex_);
    running_.erase(std::find(running_.begin(), running_.end(), assignment->cancelled));
  }
}

}  // namespace kiln
