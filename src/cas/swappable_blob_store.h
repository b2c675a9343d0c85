// A BlobStore whose backing store can be replaced while it serves: what a frontend uses when
// the set of storage nodes changes at run time (a node joins or is removed from the ring,
// storage_ring_follower.h). Each call works on the store that was current when it began; a
// reader or writer keeps its store alive until it is destroyed, so replacing never breaks a
// transfer in progress. Until a store is set, every call fails with `when_empty` (FindMissing
// reports every digest missing, as FindMissing must when it cannot tell).
//
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>

#include "cas/blob_store.h"

namespace kiln {

class SwappableBlobStore final : public BlobStore {
 public:
  explicit SwappableBlobStore(Status when_empty);

  // The store calls begun from now on use. Returns the one it replaces, for the caller to
  // destroy on a thread of its own choosing (it may wait for calls still running).
  std::shared_ptr<BlobStore> Replace(std::shared_ptr<BlobStore> store);
  std::shared_ptr<BlobStore> current() const;

  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override;
  std::vector<Digest> FindMissingConfirmed(const std::vector<Digest>& digests) override;
  StatusOr<std::vector<Digest>> FindMissingOrError(const std::vector<Digest>& digests) override;
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override;
  std::vector<StatusOr<std::string>> ReadBlobs(const std::vector<Digest>& digests) override;
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override;
  Status Delete(const Digest& digest) override;

 private:
  const Status when_empty_;
  mutable std::mutex mutex_;
  std::shared_ptr<BlobStore> current_;
};

}  // namespace kiln
