// Where a `kiln worker` reads its inputs and writes its outputs. A frontend whose CAS is a
// ring of storage nodes tells its workers the ring (cas/storage_ring_publisher.h); in
// direct mode the worker then builds the same ReplicatedBlobStore over its own channels to
// the nodes, and uses it ahead of the frontend's CAS, which stays the fallback when the
// nodes cannot serve (cas/fallback_blob_store.h). In frontend mode, or until a ring is
// announced, everything goes through the frontend, as it always did.
//
// Hints of the writes that skipped a down owner go to `options.replicated.repair.hints`,
// which `kiln worker` makes a ForwardingHintList: its frontend gets them too, and keeps them
// when the worker stops.
//
// Both routes reach the same blobs: the frontend reads and writes the ring it announced, and
// its FindMissing and action cache completeness checks ask the nodes the worker wrote to.
//
// Thread-safe: the worker's connection thread announces, the action slots read and write.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "cas/fallback_blob_store.h"
#include "cas/replicated_ring_builder.h"
#include "cas/storage_ring_config.h"

namespace kiln {

enum class WorkerStorageMode {
  kDirect,    // The storage nodes of the frontend's ring when it announces one.
  kFrontend,  // Always the frontend.
};

// "direct" or "frontend".
StatusOr<WorkerStorageMode> ParseWorkerStorageMode(std::string_view text);

struct StorageRouteOptions {
  WorkerStorageMode mode = WorkerStorageMode::kDirect;
  ReplicatedBlobStoreOptions replicated;  // Its replicas come from each announced ring.
  FallbackBlobStoreOptions fallback;
};

class StorageRoute {
 public:
  // REQUIRES: `frontend` and `clock` outlive the route.
  StorageRoute(BlobStore* frontend, NodeStoreFactory nodes, const Clock* clock, StorageRouteOptions options);

  // The store the worker's input cache reads from and writes to.
  BlobStore* cas() { return &store_; }

  // The worker connected to a (maybe other) frontend: back to the frontend until this one
  // announces a ring.
  void FrontendChanged();
  // The frontend's ring (again, or changed). Direct mode: reads and writes go to the nodes
  // from now on. An error (a node the factory cannot make) leaves the worker on the frontend.
  Status RingAnnounced(const StorageRingConfig& ring);
  // Whether calls go to storage nodes first now.
  bool direct() const { return store_.has_primary(); }
  const FallbackBlobStore& store() const { return store_; }

 private:
  const WorkerStorageMode mode_;
  FallbackBlobStore store_;
  std::mutex mutex_;
  ReplicatedRingBuilder builder_;            // Guarded by mutex_.
  std::optional<StorageRingConfig> ring_;  // The ring in use, if any. Guarded by mutex_.
};

}  // namespace kiln
