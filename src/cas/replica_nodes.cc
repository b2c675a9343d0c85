#include "cas/replica_nodes.h"

namespace kiln {

ReplicaNodes::ReplicaNodes(RendezvousRing ring, std::vector<BlobStore*> stores, ReplicaNodeLimits limits)
    : ring_(std::move(ring)),
      stores_(std::move(stores)),
      limits_(limits),
      outstanding_(new std::atomic<int>[stores_.size()]),
      executor_(limits.max_threads, TaskThreadStyle{.name = "kiln-replica"}) {
  for (size_t i = 0; i < stores_.size(); ++i) outstanding_[i] = 0;
}

std::vector<Status> ReplicaNodes::Run(std::vector<NodeCall> calls, Duration timeout) {
  std::vector<Status> results(calls.size());
  std::vector<std::function<Status()>> runnable;
  std::vector<size_t> runnable_index;
  for (size_t i = 0; i < calls.size(); ++i) {
    const size_t node = calls[i].node;
    if (outstanding_[node].fetch_add(1) >= limits_.max_calls_per_node) {
      outstanding_[node].fetch_sub(1);
      results[i] = Status::Unavailable("storage node " + name(node) + " is not answering (" +
                                       std::to_string(limits_.max_calls_per_node) + " calls outstanding)");
      continue;
    }
    // `this` outlives the call: the executor, destroyed first, waits for it.
    runnable.push_back([this, node, call = std::move(calls[i].call)] {
      Status status = call(*stores_[node]);
      outstanding_[node].fetch_sub(1);
      return status;
    });
    runnable_index.push_back(i);
  }
  std::vector<std::optional<Status>> ran = executor_.RunAll(std::move(runnable), timeout);
  for (size_t j = 0; j < ran.size(); ++j) {
    const size_t i = runnable_index[j];
    if (!ran[j].has_value()) {
      results[i] = Status(StatusCode::kDeadlineExceeded,
                          "storage node " + name(calls[i].node) + " did not answer within " +
                              std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
                              " ms");
    } else if (!ran[j]->ok()) {
      results[i] = ran[j]->WithContext("storage node " + name(calls[i].node));
    }
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
