// For tests of the replicated CAS: a storage node in memory that fails on demand in the ways
// real nodes do -- refuses every call (down: UNAVAILABLE), hangs until released (a node that
// stopped answering), serves bytes that do not match the digest, loses a blob, or dies
// partway through an upload or a read. Test code only. Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "cas/blob_store.h"
#include "cas/digest_verifier.h"

namespace kiln::testing {

class FaultyBlobStore final : public BlobStore {
 public:
  enum class Mode { kHealthy, kRefuse, kHang };

  // Every call from now on (including reads and writes already open) behaves so. Leaving
  // kHang releases hung calls, which then fail UNAVAILABLE.
  void set_mode(Mode mode) {
    {
      std::lock_guard lock(mutex_);
      mode_ = mode;
    }
    changed_.notify_all();
  }
  // Reads of `digest` return a flipped first byte until the blob is written again.
  void CorruptReadsOf(const Digest& digest) {
    std::lock_guard lock(mutex_);
    corrupt_.insert(digest);
  }
  void Lose(const Digest& digest) {
    std::lock_guard lock(mutex_);
    blobs_.erase(digest);
  }
  // After this many more bytes written (over all uploads), the node goes down (kRefuse).
  void DieAfterWriting(int64_t bytes) {
    std::lock_guard lock(mutex_);
    write_budget_ = bytes;
  }
  // After this many more bytes read (over all reads), the node goes down (kRefuse).
  void DieAfterReading(int64_t bytes) {
    std::lock_guard lock(mutex_);
    read_budget_ = bytes;
  }
  bool Has(const Digest& digest) const {
    std::lock_guard lock(mutex_);
    return blobs_.contains(digest);
  }
  size_t blob_count() const {
    std::lock_guard lock(mutex_);
    return blobs_.size();
  }
  int reads() const { return reads_.load(); }
  int lookups() const { return lookups_.load(); }
  int read_batches() const { return read_batches_.load(); }

  // Blob by blob, as any store's default; counted as one batch.
  std::vector<StatusOr<std::string>> ReadBlobs(const std::vector<Digest>& digests) override {
    ++read_batches_;
    return BlobStore::ReadBlobs(digests);
  }

  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override {
    auto missing = FindMissingOrError(digests);
    return missing.ok() ? std::move(missing).value() : digests;
  }
  StatusOr<std::vector<Digest>> FindMissingOrError(const std::vector<Digest>& digests) override {
    ++lookups_;
    KILN_RETURN_IF_ERROR(Enter());
    std::lock_guard lock(mutex_);
    std::vector<Digest> missing;
    for (const Digest& digest : digests) {
      if (!digest.IsEmptyBlob() && !blobs_.contains(digest)) missing.push_back(digest);
    }
    return missing;
  }
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override {
    ++reads_;
    KILN_RETURN_IF_ERROR(Enter());
    std::lock_guard lock(mutex_);
    auto it = blobs_.find(digest);
    if (it == blobs_.end()) return Status::NotFound("blob " + digest.ToString() + " is not here");
    return std::unique_ptr<BlobReader>(
        std::make_unique<Reader>(this, it->second, static_cast<size_t>(offset), corrupt_.contains(digest)));
  }
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override {
    KILN_RETURN_IF_ERROR(Enter());
    return std::unique_ptr<BlobWriter>(std::make_unique<Writer>(this, digest));
  }
  Status Delete(const Digest& digest) override {
    KILN_RETURN_IF_ERROR(Enter());
    std::lock_guard lock(mutex_);
    return blobs_.erase(digest) > 0 ? Status::Ok() : Status::NotFound("blob " + digest.ToString() + " is not here");
  }

 private:
  // Reads a few KiB at a time, so that a test can fail the node between two reads.
  static constexpr size_t kReadChunk = 4096;

  class Reader final : public BlobReader {
   public:
    Reader(FaultyBlobStore* store, std::shared_ptr<const std::string> data, size_t position, bool corrupt)
        : store_(store), data_(std::move(data)), position_(position), corrupt_(corrupt) {}
    StatusOr<size_t> Read(char* buffer, size_t max) override {
      KILN_RETURN_IF_ERROR(store_->Enter());
      const size_t n = std::min({max, kReadChunk, data_->size() - position_});
      KILN_RETURN_IF_ERROR(store_->Spend(store_->read_budget_, static_cast<int64_t>(n)));
      std::memcpy(buffer, data_->data() + position_, n);
      if (corrupt_ && position_ == 0 && n > 0) buffer[0] ^= 1;
      position_ += n;
      return n;
    }

   private:
    FaultyBlobStore* store_;
    std::shared_ptr<const std::string> data_;
    size_t position_;
    bool corrupt_;
  };

  class Writer final : public BlobWriter {
   public:
    Writer(FaultyBlobStore* store, const Digest& digest) : store_(store), digest_(digest), verifier_(digest) {}
    Status Write(std::string_view data) override {
      KILN_RETURN_IF_ERROR(store_->Enter());
      KILN_RETURN_IF_ERROR(store_->Spend(store_->write_budget_, static_cast<int64_t>(data.size())));
      KILN_RETURN_IF_ERROR(verifier_.Update(data));
      buffer_.append(data);
      return Status::Ok();
    }
    int64_t bytes_written() const override { return verifier_.bytes_seen(); }
    Status Commit() override {
      KILN_RETURN_IF_ERROR(store_->Enter());
      KILN_RETURN_IF_ERROR(verifier_.Finish());
      std::lock_guard lock(store_->mutex_);
      store_->blobs_[digest_] = std::make_shared<const std::string>(std::move(buffer_));
      store_->corrupt_.erase(digest_);
      return Status::Ok();
    }

   private:
    FaultyBlobStore* store_;
    Digest digest_;
    DigestVerifier verifier_;
    std::string buffer_;
  };

  // Every call passes here first: fails when down, blocks while hanging.
  Status Enter() {
    std::unique_lock lock(mutex_);
    if (mode_ == Mode::kHang) changed_.wait(lock, [this] { return mode_ != Mode::kHang; });
    if (mode_ != Mode::kHealthy) return Status::Unavailable("the node is down");
    return Status::Ok();
  }
  // Takes `n` from `budget` (negative: unlimited); at zero the node goes down.
  Status Spend(int64_t& budget, int64_t n) {
    std::lock_guard lock(mutex_);
    if (budget < 0) return Status::Ok();
    if (budget < n) {
      budget = -1;
      mode_ = Mode::kRefuse;
      return Status::Unavailable("the node died");
    }
    budget -= n;
    return Status::Ok();
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Mode mode_ = Mode::kHealthy;
  std::unordered_map<Digest, std::shared_ptr<const std::string>, DigestHash> blobs_;
  std::unordered_set<Digest, DigestHash> corrupt_;
  int64_t write_budget_ = -1;
  int64_t read_budget_ = -1;
  std::atomic<int> reads_{0};
  std::atomic<int> lookups_{0};
  std::atomic<int> read_batches_{0};
};

}  // namespace kiln::testing
