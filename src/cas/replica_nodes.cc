#include "cas/replica_nodes.h"

namespace kiln {

ReplicaNodes::ReplicaNodes(RendezvousRing ring, std::vector<BlobStore*> stores, ReplicaNodeLimits limits)
    : ring_(std::move(ring)),
      stores_(std::move(stores)),
      limits_(limits),
      stuck_(new std::atomic<int>[stores_.size()]),
      failures_(new std::atomic<uint32_t>[stores_.size()]),
      executor_(limits.max_threads, TaskThreadStyle{.name = "kiln-replica"}) {
  for (size_t i = 0; i < stores_.size(); ++i) stuck_[i] = 0;
  for (size_t i = 0; i < stores_.size(); ++i) failures_[i] = 0;
}

namespace {

// Where a call is. The caller that gives up moves it to kAbandoned: if it had not started,
// it never will; if it was running, it counts as stuck until it returns.
enum CallState : int { kQueued, kRunning, kReturned, kAbandoned };

}  // namespace

std::vector<Status> ReplicaNodes::Run(std::vector<NodeCall> calls, Duration timeout) {
  std::vector<Status> results(calls.size());
  std::vector<std::function<Status()>> runnable;
  std::vector<size_t> runnable_index;
  std::vector<std::shared_ptr<std::atomic<int>>> states;
  for (size_t i = 0; i < calls.size(); ++i) {
    const size_t node = calls[i].node;
    if (stuck_[node].load() >= limits_.max_stuck_calls_per_node) {
      results[i] = Status::Unavailable("storage node " + name(node) + " is not answering (" +
                                       std::to_string(stuck_[node].load()) + " calls stuck past their deadline)");
      continue;
    }
    auto state = std::make_shared<std::atomic<int>>(kQueued);
    // `this` outlives the call: the executor, destroyed first, waits for it.
    runnable.push_back([this, node, state, call = std::move(calls[i].call)] {
      int queued = kQueued;
      if (!state->compare_exchange_strong(queued, kRunning)) return Status::Cancelled("abandoned");
      Status status = call(*stores_[node]);
      if (state->exchange(kReturned) == kAbandoned) stuck_[node].fetch_sub(1);
      return status;
    });
    runnable_index.push_back(i);
    states.push_back(std::move(state));
  }
  std::vector<std::optional<Status>> ran = executor_.RunAll(std::move(runnable), timeout);
  for (size_t j = 0; j < ran.size(); ++j) {
    const size_t i = runnable_index[j];
    const size_t node = calls[i].node;
    if (!ran[j].has_value()) {
      if (states[j]->exchange(kAbandoned) == kRunning) stuck_[node].fetch_add(1);
      results[i] = Status(StatusCode::kDeadlineExceeded,
                          "storage node " + name(node) + " did not answer within " +
                              std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
                              " ms");
    } else if (!ran[j]->ok()) {
      results[i] = ran[j]->WithContext("storage node " + name(node));
    }
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    if (IsNodeFailure(results[i]) && results[i].code() != StatusCode::kNotFound) failures_[calls[i].node].fetch_add(1);
  }
  return results;
}

Status ReplicaNodes::RunOne(size_t node, std::function<Status(BlobStore&)> call, Duration timeout) {
  std::vector<NodeCall> calls;
  calls.push_back({node, std::move(call)});
  return std::move(Run(std::move(calls), timeout)[0]);
}

bool IsNodeFailure(const Status& status) {
  return !status.ok() && status.code() != StatusCode::kInvalidArgument && status.code() != StatusCode::kOutOfRange;
}

}  // namespace kiln
