// Builds the ReplicatedBlobStore of a ring (storage_ring_config.h) from a factory of node
// stores: the one construction shared by a frontend's --cas list, the frontend that follows
// the backplane's ring (backplane/storage_ring_follower.h) and a `kiln worker` given its
// frontend's ring. A node's store (its channel) is made once and kept while the node stays
// in the rings built, so a new ring costs no reconnections.
//
// Not thread-safe: one caller at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "cas/replicated_blob_store.h"
#include "cas/storage_ring_config.h"

namespace kiln {

// The store of one storage node, reached at `target`.
using NodeStoreFactory = std::function<StatusOr<std::shared_ptr<BlobStore>>(const std::string& target)>;

class ReplicatedRingBuilder {
 public:
  // `options.replicas` is replaced by each ring's own.
  ReplicatedRingBuilder(NodeStoreFactory factory, ReplicatedBlobStoreOptions options);

  // The ring's store, which keeps its node stores alive. INVALID_ARGUMENT for a ring
  // ReplicatedBlobStore refuses (no nodes, a repeated name, a bad weight, no copies); a
  // node the factory cannot make fails the build with its error.
  StatusOr<std::shared_ptr<BlobStore>> Build(const StorageRingConfig& ring);

 private:
  const NodeStoreFactory factory_;
  const ReplicatedBlobStoreOptions options_;
  std::map<std::string, std::shared_ptr<BlobStore>> node_stores_;  // By name: the last ring's.
};

}  // namespace kiln
