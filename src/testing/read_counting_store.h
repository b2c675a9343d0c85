// For tests: a BlobStore over another that counts the reads opened per digest, to show
// that a blob refused by its size was never read. Test code only.
#pragma once

#include <mutex>
#include <unordered_map>

#include "cas/blob_store.h"

namespace kiln::testing {

class ReadCountingStore final : public BlobStore {
 public:
  explicit ReadCountingStore(BlobStore* base) : base_(base) {}

  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override { return base_->FindMissing(digests); }
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override {
    {
      std::lock_guard lock(mutex_);
      ++reads_[digest];
    }
    return base_->OpenRead(digest, offset);
  }
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override { return base_->OpenWrite(digest); }

  int reads_of(const Digest& digest) const {
    std::lock_guard lock(mutex_);
    auto it = reads_.find(digest);
    return it == reads_.end() ? 0 : it->second;
  }

 private:
  BlobStore* base_;
  mutable std::mutex mutex_;
  std::unordered_map<Digest, int, DigestHash> reads_;
};

}  // namespace kiln::testing
