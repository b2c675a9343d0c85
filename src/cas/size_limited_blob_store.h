// REAPI's max_cas_blob_size_bytes, enforced where clients upload: a decorator over the
// store the CAS and ByteStream services write through, refusing to open a write for a blob
// larger than the advertised limit with INVALID_ARGUMENT, the code the spec gives. One
// place covers every way a client creates a blob (ByteStream Write, BatchUpdateBlobs,
// SpliceBlob). Reads are not limited: the spec lets a server keep serving larger blobs
// (outputs of actions, Remote Asset downloads). Thread-safe if the base store is.
#pragma once

#include "cas/blob_store.h"

namespace kiln {

class SizeLimitedBlobStore final : public BlobStore {
 public:
  // REQUIRES: `base` outlives this store. A limit of 0 is none, as REAPI reads the field.
  SizeLimitedBlobStore(BlobStore* base, int64_t max_blob_bytes) : base_(base), max_blob_bytes_(max_blob_bytes) {}

  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override { return base_->FindMissing(digests); }
  std::vector<Digest> FindMissingConfirmed(const std::vector<Digest>& digests) override {
    return base_->FindMissingConfirmed(digests);
  }
  StatusOr<std::vector<Digest>> FindMissingOrError(const std::vector<Digest>& digests) override {
    return base_->FindMissingOrError(digests);
  }
  Status Delete(const Digest& digest) override { return base_->Delete(digest); }
  std::vector<StatusOr<std::string>> ReadBlobs(const std::vector<Digest>& digests) override {
    return base_->ReadBlobs(digests);
  }
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override {
    return base_->OpenRead(digest, offset);
  }
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override;

 private:
  BlobStore* const base_;
  const int64_t max_blob_bytes_;
};

}  // namespace kiln
