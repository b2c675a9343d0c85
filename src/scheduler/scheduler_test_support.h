// Small builders and recorders shared by the scheduler's tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/hasher.h"
#include "scheduler/in_process_scheduler.h"
#include "scheduler/scheduler.h"
#include "testing/redis_backplane_for_tests.h"

namespace kiln::testing_support {

// The implementations every scheduler test runs against: the contract both keep.
enum class SchedulerKind { kInProcess, kRedis };

inline std::vector<SchedulerKind> AllSchedulerKinds() { return {SchedulerKind::kInProcess, SchedulerKind::kRedis}; }

inline std::string SchedulerKindName(const ::testing::TestParamInfo<SchedulerKind>& info) {
  switch (info.param) {
    case SchedulerKind::kInProcess:
      return "InProcess";
    case SchedulerKind::kRedis:
      return "Redis";
  }
  return "Unknown";
}

inline std::unique_ptr<Scheduler> MakeScheduler(SchedulerKind kind, const Clock* clock,
                                                const SchedulerOptions& options) {
  switch (kind) {
    case SchedulerKind::kInProcess:
      return std::make_unique<InProcessScheduler>(clock, options);
    case SchedulerKind::kRedis:
      return RedisBackplaneForTests::Get().NewScheduler(clock, options);
  }
  return nullptr;
}

// Platform({{"name", "value"}}) with a single property is ambiguous (copy from a nested
// brace list); this spelling is not.
inline Platform Props(std::vector<std::pair<std::string, std::string>> properties) {
  return Platform(std::move(properties));
}

// The worker platforms the Scheduler tests route by: a Linux x86-64 host, and one that also
// offers a GPU.
inline const Platform kLinuxX86 = Props({{"OSFamily", "linux"}, {"ISA", "x86-64"}});
inline const Platform kLinuxX86Gpu = Props({{"OSFamily", "linux"}, {"ISA", "x86-64"}, {"gpu", "1"}});

// The client the tests act as: an ordinary principal, not admin, so that every call they
// make also passes the ownership check as the owner.
inline const Caller kClient{"client", false};

inline Digest ActionDigest(int n) {
  return ComputeDigest(DigestFunction::kSha256, "action " + std::to_string(n));
}

inline QueuedAction MakeAction(int n, Platform platform = {}, int32_t priority = 0) {
  QueuedAction action;
  action.action_digest = ActionDigest(n);
  action.platform = std::move(platform);
  action.priority = priority;
  return action;
}

inline reapi::ExecuteResponse ExitedWith(int exit_code) {
  reapi::ExecuteResponse response;
  response.mutable_result()->set_exit_code(exit_code);
  return response;
}

// What one RequestWork callback received. The callback shares the record, so it may still
// be answered after the test dropped its handle. Thread-safe.
class WorkAnswer {
 public:
  Scheduler::WorkCallback Callback() {
    return [record = record_](std::optional<WorkAssignment> assignment) {
      std::lock_guard lock(record->mutex);
      ++record->calls;
      record->assignment = std::move(assignment);
    };
  }
  int calls() const {
    std::lock_guard lock(record_->mutex);
    return record_->calls;
  }
  bool answered() const { return calls() > 0; }
  std::optional<WorkAssignment> assignment() const {
    std::lock_guard lock(record_->mutex);
    return record_->assignment;
  }
  // The assigned operation's name, or "" if none (yet).
  std::string operation() const {
    auto a = assignment();
    return a ? a->operation_name : "";
  }

 private:
  struct Record {
    std::mutex mutex;
    int calls = 0;
    std::optional<WorkAssignment> assignment;
  };
  std::shared_ptr<Record> record_ = std::make_shared<Record>();
};

inline std::unique_ptr<WorkAnswer> RequestWork(Scheduler& scheduler, const std::string& worker_id) {
  auto answer = std::make_unique<WorkAnswer>();
  scheduler.RequestWork(worker_id, answer->Callback());
  return answer;
}

// Every snapshot a watch listener received. Thread-safe.
class SnapshotRecorder {
 public:
  Scheduler::Listener Listener() {
    return [this](const OperationSnapshot& snapshot) {
      std::lock_guard lock(mutex_);
      seen_.push_back(snapshot);
    };
  }
  std::vector<OperationSnapshot> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::vector<ExecutionStage> stages() const {
    std::vector<ExecutionStage> stages;
    for (const auto& snapshot : seen()) stages.push_back(snapshot.stage);
    return stages;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<OperationSnapshot> seen_;
};

// A scheduler on a fake clock: 10 minutes of retention, 3 attempts.
class SchedulerFixture : public ::testing::TestWithParam<SchedulerKind> {
 protected:
  SchedulerFixture() : owned_(MakeScheduler(GetParam(), &clock_, Options())), scheduler_(*owned_) {}
  static SchedulerOptions Options() {
    SchedulerOptions options;
    options.completed_retention = std::chrono::minutes(10);
    options.max_attempts = 3;
    return options;
  }
  std::string Enqueue(QueuedAction action) {
    auto name = scheduler_.Enqueue(kClient, std::move(action));
    EXPECT_TRUE(name.ok()) << name.status().ToString();
    return name.ok() ? *name : "";
  }
  OperationSnapshot Get(const std::string& name) {
    auto snapshot = scheduler_.Get(kClient, name);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    return snapshot.ok() ? *snapshot : OperationSnapshot{};
  }

  FakeClock clock_;
  std::unique_ptr<Scheduler> owned_;
  Scheduler& scheduler_;
};

}  // namespace kiln::testing_support
