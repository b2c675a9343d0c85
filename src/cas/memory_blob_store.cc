#include "cas/memory_blob_store.h"

#include <algorithm>
#include <cstring>

#include "cas/buffered_blob_writer.h"
#include "cas/memory_reader.h"

namespace kiln {

class MemoryBlobStore::Writer final : public BufferedBlobWriter {
 public:
  Writer(MemoryBlobStore* store, const Digest& digest) : BufferedBlobWriter(digest), store_(store) {}

 private:
  Status Deliver(std::string data) override {
    store_->Publish(digest(), std::make_shared<const std::string>(std::move(data)));
    return Status::Ok();
  }

  MemoryBlobStore* store_;
};

std::vector<Digest> MemoryBlobStore::FindMissing(const std::vector<Digest>& digests) {
  std::lock_guard lock(mutex_);
  std::vector<Digest> missing;
  for (const Digest& digest : digests) {
    if (!digest.IsEmptyBlob() && !blobs_.contains(digest)) missing.push_back(digest);
  }
  return missing;
}

StatusOr<std::unique_ptr<BlobReader>> MemoryBlobStore::OpenRead(const Digest& digest, int64_t offset) {
  std::shared_ptr<const std::string> data;
  if (digest.IsEmptyBlob()) {
    data = std::make_shared<const std::string>();
  } else {
    std::lock_guard lock(mutex_);
    auto it = blobs_.find(digest);
    if (it == blobs_.end()) return Status::NotFound("blob " + digest.ToString() + " is not in the CAS");
    data = it->second;
  }
  if (offset < 0 || offset > digest.size()) {
    return Status::OutOfRange("offset " + std::to_string(offset) + " is outside blob " + digest.ToString());
  }
  return std::unique_ptr<BlobReader>(std::make_unique<MemoryReader>(std::move(data), static_cast<size_t>(offset)));
}

StatusOr<std::unique_ptr<BlobWriter>> MemoryBlobStore::OpenWrite(const Digest& digest) {
  return std::unique_ptr<BlobWriter>(std::make_unique<Writer>(this, digest));
}

void MemoryBlobStore::Publish(const Digest& digest, std::shared_ptr<const std::string> data) {
  if (digest.IsEmptyBlob()) return;
  std::lock_guard lock(mutex_);
  blobs_[digest] = std::move(data);
}

StatusOr<BlobListPage> MemoryBlobStore::ListBlobs(const std::optional<Digest>& after, size_t limit) {
  std::vector<Digest> digests;
  {
    std::lock_guard lock(mutex_);
    digests.reserve(blobs_.size());
    for (const auto& [digest, data] : blobs_) digests.push_back(digest);
  }
  return ListPageOf(std::move(digests), after, limit);
}

void MemoryBlobStore::Clear() {
  std::lock_guard lock(mutex_);
  blobs_.clear();
}

size_t MemoryBlobStore::blob_count() const {
  std::lock_guard lock(mutex_);
  return blobs_.size();
}

Status MemoryBlobStore::Delete(const Digest& digest) {
  std::lock_guard lock(mutex_);
  if (blobs_.erase(digest) == 0) return Status::NotFound("blob " + digest.ToString() + " is not stored");
  return Status::Ok();
}

}  // namespace kiln
