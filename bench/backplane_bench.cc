// What the Redis backplane adds to scheduling, on a redis-server of its own (loopback):
//   - BM_BackplaneExecuteCycle: one frontend, one worker slot: Enqueue, the claim that hands
//     the action to the waiting worker, ReportExecuting, ReportCompleted. The whole cycle's
//     latency, against the in-process scheduler doing the same.
//   - BM_BackplaneWatcherOnAnotherFrontend: how long a change made through frontend A takes
//     to reach a watcher on frontend B (Redis pub/sub, then B's read of the operation).
// Percentiles are reported as counters (p50_us, p99_us).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "backplane/redis_scheduler.h"
#include "common/hasher.h"
#include "scheduler/in_process_scheduler.h"
#include "testing/redis_backplane_for_tests.h"

namespace kiln {
namespace {

using Clock = std::chrono::steady_clock;

QueuedAction Action(int64_t n) {
  QueuedAction action;
  action.action_digest = ComputeDigest(DigestFunction::kSha256, "bench action " + std::to_string(n));
  return action;
}

reapi::ExecuteResponse Exited() {
  reapi::ExecuteResponse response;
  response.mutable_result()->set_exit_code(0);
  return response;
}

void ReportPercentiles(benchmark::State& state, std::vector<double> micros) {
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
}

std::unique_ptr<Scheduler> MakeScheduler(bool redis) {
  if (!redis) return std::make_unique<InProcessScheduler>(SystemClock::Get(), SchedulerOptions{});
  RedisSchedulerOptions backplane;  // Production's maintenance interval: Tick is never called here.
  return testing_support::RedisBackplaneForTests::Get().NewScheduler(SystemClock::Get(), SchedulerOptions{},
                                                                     backplane);
}

void BM_BackplaneExecuteCycle(benchmark::State& state) {
  auto scheduler = MakeScheduler(state.range(0) == 1);
  scheduler->AddWorker("w", Platform());
  const Caller caller{"bench", false};
  std::vector<double> micros;
  int64_t n = 0;
  for (auto _ : state) {
    std::optional<WorkAssignment> assignment;
    scheduler->RequestWork("w", [&](std::optional<WorkAssignment> a) { assignment = std::move(a); });
    const auto start = Clock::now();
    auto name = scheduler->Enqueue(caller, Action(n++));
    if (!name.ok() || !assignment) {
      state.SkipWithError("the action was not handed to the waiting worker at once");
      break;
    }
    scheduler->ReportExecuting(*name, "w", assignment->attempt, {});
    scheduler->ReportCompleted(*name, "w", assignment->attempt, Exited());
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  ReportPercentiles(state, std::move(micros));
}
BENCHMARK(BM_BackplaneExecuteCycle)->ArgName("redis")->Arg(0)->Arg(1)->UseRealTime();

void BM_BackplaneWatcherOnAnotherFrontend(benchmark::State& state) {
  auto a = MakeScheduler(true);
  auto b_owned = testing_support::RedisBackplaneForTests::Get().NewSchedulerIn(
      SystemClock::Get(), SchedulerOptions{}, static_cast<RedisScheduler*>(a.get())->backplane_options());
  Scheduler* b = b_owned.get();
  a->AddWorker("w", Platform());
  const Caller caller{"bench", false};
  std::vector<double> micros;
  int64_t n = 0;
  for (auto _ : state) {
    auto name = a->Enqueue(caller, Action(n++));
    if (!name.ok()) {
      state.SkipWithError(name.status().ToString().c_str());
      break;
    }
    std::mutex mutex;
    std::condition_variable seen;
    Clock::time_point done_at;
    bool done = false;
    auto watch = b->Watch(caller, *name, [&](const OperationSnapshot& snapshot) {
      if (!snapshot.done) return;
      std::lock_guard lock(mutex);
      done_at = Clock::now();
      done = true;
      seen.notify_all();
    });
    if (!watch.ok()) {
      state.SkipWithError(watch.status().ToString().c_str());
      break;
    }
    const auto start = Clock::now();
    (void)a->Cancel(caller, *name);  // A change B must hear of: completes the operation.
    std::unique_lock lock(mutex);
    if (!seen.wait_for(lock, std::chrono::seconds(5), [&] { return done; })) {
      state.SkipWithError("the watcher on the other frontend never heard of the change");
      break;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(done_at - start).count());
    lock.unlock();
    b->Unwatch(*watch);
  }
  ReportPercentiles(state, std::move(micros));
}
BENCHMARK(BM_BackplaneWatcherOnAnotherFrontend)->UseRealTime();

}  // namespace
}  // namespace kiln
