// A reader or writer of a blob on one storage node whose every call goes through
// ReplicaNodes, with a deadline: what the replicated store streams through. The node's own
// reader or writer lives in state shared with the calls, since a call past its deadline is
// abandoned, not stopped; after a failed or abandoned call the transfer is broken and every
// later call fails at once (the caller moves on to another node).
//
// Each object is used by one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cas/replica_nodes.h"

namespace kiln {

class NodeBlobReader {
 public:
  static StatusOr<std::unique_ptr<NodeBlobReader>> Open(ReplicaNodes& nodes, size_t node, const Digest& digest,
                                                        int64_t offset, Duration timeout);
  // Like BlobReader::Read. The bytes come through a buffer of this reader's own (an
  // abandoned call may still write into it; the caller's buffer it never sees).
  StatusOr<size_t> Read(char* buffer, size_t max, Duration timeout);
  size_t node() const { return node_; }

 private:
  struct State;
  NodeBlobReader(ReplicaNodes& nodes, size_t node, std::shared_ptr<State> state)
      : nodes_(nodes), node_(node), state_(std::move(state)) {}

  ReplicaNodes& nodes_;
  size_t node_;
  std::shared_ptr<State> state_;
  Status broken_;
};

class NodeBlobWriter {
 public:
  static StatusOr<std::unique_ptr<NodeBlobWriter>> Open(ReplicaNodes& nodes, size_t node, const Digest& digest,
                                                        Duration timeout);
  // Opens writers on several nodes at once; one result per node, in order: a writer, or
  // why there is none.
  struct Opened {
    Status status;
    std::unique_ptr<NodeBlobWriter> writer;
  };
  static std::vector<Opened> OpenAll(ReplicaNodes& nodes, const std::vector<size_t>& node_list, const Digest& digest,
                                     Duration timeout);
  // Calls for ReplicaNodes::Run, so that several replicas' writes run at once. `chunk` is
  // shared by all of them: one copy of the bytes, whatever the number of replicas.
  NodeCall WriteCall(std::shared_ptr<const std::string> chunk);
  NodeCall CommitCall();
  size_t node() const { return node_; }

 private:
  struct State;
  NodeBlobWriter(size_t node, std::shared_ptr<State> state) : node_(node), state_(std::move(state)) {}

  size_t node_;
  std::shared_ptr<State> state_;
};

}  // namespace kiln
