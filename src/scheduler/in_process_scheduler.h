// The scheduler of a single `kiln serve`: all state in this process's memory, behind one
// mutex (in_process_scheduler_state.h). The default, and what a box without a backplane
// runs; a farm's frontends share a RedisScheduler instead. Behaviour: scheduler.h.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "scheduler/scheduler.h"

namespace kiln {

class InProcessScheduler final : public Scheduler {
 public:
  InProcessScheduler(const Clock* clock, const SchedulerOptions& options);
  ~InProcessScheduler() override;

  StatusOr<std::string> Enqueue(const Caller& caller, QueuedAction action) override;
  StatusOr<std::string> AddCompleted(const Caller& caller, const Digest& action_digest,
                                     reapi::ExecuteResponse response, const std::string& instance_name = "") override;
  StatusOr<WatchId> Watch(const Caller& caller, const std::string& operation_name, Listener listener) override;
  void Unwatch(WatchId id) override;
  StatusOr<OperationSnapshot> Get(const Caller& caller, const std::string& operation_name) const override;
  std::vector<OperationSnapshot> List(const Caller& caller) const override;
  Status Cancel(const Caller& caller, const std::string& operation_name) override;

  void AddWorker(const std::string& worker_id, const Platform& platform, int slots = 0) override;
  void RemoveWorker(const std::string& worker_id) override;
  void RequestWork(const std::string& worker_id, WorkCallback callback) override;
  void CancelWorkRequests(const std::string& worker_id) override;
  void ReportExecuting(const std::string& operation_name, const std::string& worker_id, int attempt,
                       const OutputStreamNames& output_streams) override;
  StatusOr<std::optional<WorkAssignment>> FindAssignment(const std::string& operation_name,
                                                         const std::string& worker_id, int attempt) override;
  void ReportCompleted(const std::string& operation_name, const std::string& worker_id, int attempt,
                       reapi::ExecuteResponse response) override;

  void Tick() override;
  void Shutdown() override;
  size_t queued_count() const override;
  SchedulerLoad Load() const override;

  StatusOr<OperationPage> ListOperations(const OperationFilter& filter) const override;
  StatusOr<std::vector<WorkerInfo>> ListWorkers() const override;
  Status SetWorkerDrained(const std::string& worker_id, bool drained) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kiln
