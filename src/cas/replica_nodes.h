// The storage nodes of a replicated CAS as the replicated store calls them: each a BlobStore
// (in production a remote store over its own channel, in tests a fake), placed by a
// RendezvousRing, and called only through a DeadlineExecutor, so that a node that stops
// answering costs its callers a timeout, never a hang. A node with too many calls stuck past
// their deadlines is refused further calls at once, as if it were down, so that one sick
// node cannot take all the executor's threads.
//
// Errors name the node. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cas/blob_store.h"
#include "cas/rendezvous_ring.h"
#include "common/clock.h"
#include "common/deadline_executor.h"

namespace kiln {

struct ReplicaNodeLimits {
  // Calls to one node abandoned past their deadline and still running, before the node is
  // treated as down (refused at once) until some of them return.
  int max_stuck_calls_per_node = 8;
  // Threads for calls to all nodes together, started as needed.
  int max_threads = 256;
};

// Deadlines of calls to one node.
struct ReplicaTimeouts {
  // FindMissing, and opening a reader or writer.
  Duration call = std::chrono::seconds(10);
  // Each chunk read or written, each Commit, and each small blob read whole.
  Duration transfer = std::chrono::seconds(60);
};

// One call to make on one node.
struct NodeCall {
  size_t node;
  std::function<Status(BlobStore&)> call;
};

class ReplicaNodes {
 public:
  // REQUIRES: stores[i] is the node ring.nodes()[i] and outlives this object.
  ReplicaNodes(RendezvousRing ring, std::vector<BlobStore*> stores, ReplicaNodeLimits limits);

  const RendezvousRing& ring() const { return ring_; }
  size_t size() const { return stores_.size(); }
  const std::string& name(size_t node) const { return ring_.nodes()[node].name; }

  // Makes the calls at once, each on its node; returns when all have returned or `timeout`
  // has passed. Each result is prefixed with its node's name; a call past the deadline is
  // DEADLINE_EXCEEDED, one refused because its node is stuck UNAVAILABLE. A call must share,
  // not borrow, whatever it uses besides its node (see DeadlineExecutor).
  std::vector<Status> Run(std::vector<NodeCall> calls, Duration timeout);
  Status RunOne(size_t node, std::function<Status(BlobStore&)> call, Duration timeout);

  // Calls to `node` abandoned past their deadline that have not returned yet.
  int stuck(size_t node) const { return stuck_[node].load(); }
  // Calls to `node` that failed for a reason of the node's (IsNodeFailure, but not NOT_FOUND:
  // a node may lack a blob) since this object was made. What the node said before such a
  // failure may no longer hold (presence_record.h).
  uint32_t failures(size_t node) const { return failures_[node].load(); }

 private:
  RendezvousRing ring_;
  std::vector<BlobStore*> stores_;
  const ReplicaNodeLimits limits_;
  std::unique_ptr<std::atomic<int>[]> stuck_;
  std::unique_ptr<std::atomic<uint32_t>[]> failures_;
  // Last: destroyed first, so that calls still running finish while the rest is valid.
  DeadlineExecutor executor_;
};

// Whether a node's failure is the node's (try another one) rather than the request's
// (INVALID_ARGUMENT: bytes that do not match the digest; OUT_OF_RANGE: a bad offset).
bool IsNodeFailure(const Status& status);

}  // namespace kiln
