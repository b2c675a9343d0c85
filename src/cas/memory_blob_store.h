// A BlobStore in process memory, with no size limit. For tests and for small ephemeral
// deployments; the disk store is the production default.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

#include "cas/blob_listing.h"
#include "cas/blob_store.h"

namespace kiln {

class MemoryBlobStore final : public BlobStore, public BlobLister {
 public:
  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override;
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override;
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override;
  Status Delete(const Digest& digest) override;

  // Sorts every blob for each page: fine for tests and small stores.
  StatusOr<BlobListPage> ListBlobs(const std::optional<Digest>& after, size_t limit) override;

  size_t blob_count() const;
  // Forgets every blob (a wiped disk, in tests).
  void Clear();

 private:
  class Writer;
  void Publish(const Digest& digest, std::shared_ptr<const std::string> data);

  mutable std::mutex mutex_;
  std::unordered_map<Digest, std::shared_ptr<const std::string>, DigestHash> blobs_;
};

}  // namespace kiln
