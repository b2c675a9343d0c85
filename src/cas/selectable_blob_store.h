// A BlobStore that forwards every call to one of several others: the one chosen last with
// Select(). How a `kiln worker` that moves between frontends keeps one CAS (and one input
// cache in front of it) whose reads and writes go to the frontend it works for now. Readers
// and writers already open stay with the store they were opened on.
//
// Thread-safe; Select() may be called while other threads use the store.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "cas/blob_store.h"

namespace kiln {

class SelectableBlobStore final : public BlobStore {
 public:
  // REQUIRES: at least one store. The first one is selected.
  explicit SelectableBlobStore(std::vector<std::unique_ptr<BlobStore>> stores);

  // REQUIRES: index < the number of stores.
  void Select(size_t index) { selected_.store(index); }
  size_t selected() const { return selected_.load(); }

  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override {
    return Selected().FindMissing(digests);
  }
  std::vector<Digest> FindMissingConfirmed(const std::vector<Digest>& digests) override {
    return Selected().FindMissingConfirmed(digests);
  }
  std::vector<StatusOr<std::string>> ReadBlobs(const std::vector<Digest>& digests) override {
    return Selected().ReadBlobs(digests);
  }
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override {
    return Selected().OpenRead(digest, offset);
  }
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override {
    return Selected().OpenWrite(digest);
  }

 private:
  BlobStore& Selected() { return *stores_[selected_.load()]; }

  const std::vector<std::unique_ptr<BlobStore>> stores_;
  std::atomic<size_t> selected_{0};
};

}  // namespace kiln
