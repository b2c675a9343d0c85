// The worker side of the Scheduler: registration, work requests and reports.
#include "scheduler/in_process_scheduler.h"
#include "scheduler/in_process_scheduler_state.h"

namespace kiln {
namespace {

// The worker fills the result's metadata; keep what only the scheduler knows if it did not.
void AddSchedulerMetadata(const reapi::ExecutedActionMetadata& known, const std::string& worker_id,
                          reapi::ExecuteResponse& response) {
  if (!response.has_result()) return;
  reapi::ExecutedActionMetadata& metadata = *response.mutable_result()->mutable_execution_metadata();
  if (!metadata.has_queued_timestamp()) *metadata.mutable_queued_timestamp() = known.queued_timestamp();
  if (metadata.worker().empty()) metadata.set_worker(worker_id);
}

}  // namespace

void InProcessScheduler::AddWorker(const std::string& worker_id, const Platform& platform, int slots) {
  Outbox out;
  {
    std::lock_guard lock(state_->mutex);
    auto [it, added] = state_->workers.try_emplace(worker_id);
    WorkerRecord& worker = it->second;
    worker.slots = slots;
    if (!added && worker.platform == platform) return;
    std::vector<PendingWorkRequests::Request> waiting;
    if (!added) {
      waiting = state_->requests.TakeWorker(worker.platform, worker_id);
      state_->UnregisterWorkerPlatform(worker.platform);
    }
    worker.platform = platform;
    state_->RegisterWorkerPlatform(platform);
    // Offering something new may make queued actions runnable for the waiting slots.
    for (auto& request : waiting) state_->ServeRequest(worker_id, platform, std::move(request.callback), out);
  }
  state_->Flush(std::move(out));
}

void InProcessScheduler::RemoveWorker(const std::string& worker_id) {
  Outbox out;
  {
    std::lock_guard lock(state_->mutex);
    auto it = state_->workers.find(worker_id);
    if (it == state_->workers.end()) return;
    for (auto& request : state_->requests.TakeWorker(it->second.platform, worker_id)) {
      out.work.emplace_back(std::move(request.callback), std::nullopt);
    }
    for (auto& callback : it->second.held) out.work.emplace_back(std::move(callback), std::nullopt);
    state_->UnregisterWorkerPlatform(it->second.platform);
    const std::unordered_set<std::string> running = std::move(it->second.running);
    state_->workers.erase(it);
    // Re-queued actions keep their arrival sequence, so their order is not this set's.
    for (const std::string& name : running) {
      state_->LoseAssignment(state_->operations.at(name), State::Loss::kWorkerGone, out);
    }
  }
  state_->Flush(std::move(out));
}

void InProcessScheduler::RequestWork(const std::string& worker_id, WorkCallback callback) {
  Outbox out;
  {
    std::lock_guard lock(state_->mutex);
    auto worker = state_->workers.find(worker_id);
    if (state_->shut_down || worker == state_->workers.end()) {
      out.work.emplace_back(std::move(callback), std::nullopt);
    } else {
      state_->ServeRequest(worker_id, worker->second.platform, std::move(callback), out);
    }
  }
  state_->Flush(std::move(out));
}

void InProcessScheduler::CancelWorkRequests(const std::string& worker_id) {
  Outbox out;
  {
    std::lock_guard lock(state_->mutex);
    auto worker = state_->workers.find(worker_id);
    if (worker == state_->workers.end()) return;
    for (auto& request : state_->requests.TakeWorker(worker->second.platform, worker_id)) {
      out.work.emplace_back(std::move(request.callback), std::nullopt);
    }
    for (auto& callback : std::exchange(worker->second.held, {})) {
      out.work.emplace_back(std::move(callback), std::nullopt);
    }
  }
  state_->Flush(std::move(out));
}

void InProcessScheduler::ReportExecuting(const std::string& operation_name, const std::string& worker_id, int attempt,
                                const OutputStreamNames& output_streams) {
  Outbox out;
  {
    std::lock_guard lock(state_->mutex);
    auto it = state_->operations.find(operation_name);
    if (it == state_->operations.end()) return;
    OperationRecord& op = it->second;
    if (!state_->IsCurrentAssignment(op, worker_id, attempt) || op.snapshot.stage == ExecutionStage::kExecuting) return;
    op.snapshot.stage = ExecutionStage::kExecuting;
    op.snapshot.partial_metadata.set_worker(worker_id);
    *op.snapshot.partial_metadata.mutable_worker_start_timestamp() = WallClockNow();
    op.snapshot.stdout_stream_name = output_streams.stdout_name;
    op.snapshot.stderr_stream_name = output_streams.stderr_name;
    state_->Publish(op, out);
  }
  state_->Flush(std::move(out));
}

StatusOr<std::optional<WorkAssignment>> InProcessScheduler::FindAssignment(const std::string& operation_name,
                                                                           const std::string& worker_id, int attempt) {
  std::lock_guard lock(state_->mutex);
  auto it = state_->operations.find(operation_name);
  if (it == state_->operations.end() || !state_->IsCurrentAssignment(it->second, worker_id, attempt)) {
    return std::optional<WorkAssignment>();
  }
  const OperationRecord& op = it->second;
  return std::optional<WorkAssignment>(WorkAssignment{operation_name, op.action, op.attempt, op.cancelled});
}

void InProcessScheduler::ReportCompleted(const std::string& operation_name, const std::string& worker_id, int attempt,
                                reapi::ExecuteResponse response) {
  Outbox out;
  {
    std::lock_guard lock(state_->mutex);
    auto it = state_->operations.find(operation_name);
    if (it == state_->operations.end()) return;
    OperationRecord& op = it->second;
    // Stale reports: cancelled, already finished, or an attempt taken back from this worker
    // (lost, or silent too long), even if a later attempt went to this worker again.
    if (!state_->IsCurrentAssignment(op, worker_id, attempt)) return;
    AddSchedulerMetadata(op.snapshot.partial_metadata, worker_id, response);
    state_->Finish(op, std::move(response), out);
  }
  state_->Flush(std::move(out));
}

}  // namespace kiln
