// Counts what clients read from and write to the CAS, by blob size class, in front of the
// store the CAS and ByteStream services use: reads opened and blobs written (committed),
// and their bytes. The counters are resolved once, here; a read or write costs two relaxed
// atomic adds. Thread-safe.
#pragma once

#include <array>
#include <memory>

#include "cas/blob_store.h"
#include "metrics/metric_registry.h"

namespace kiln {

// "0-4KiB", "4KiB-64KiB", "64KiB-1MiB", "1MiB-16MiB", "16MiB+".
inline constexpr size_t kBlobSizeClasses = 5;
size_t BlobSizeClass(int64_t size_bytes);
const char* BlobSizeClassName(size_t size_class);

class MeteredBlobStore final : public BlobStore {
 public:
  // Adds kiln_cas_reads_total, kiln_cas_read_bytes_total, kiln_cas_writes_total and
  // kiln_cas_written_bytes_total to `registry`. REQUIRES: `base` and `registry` outlive this.
  MeteredBlobStore(BlobStore* base, metrics::MetricRegistry& registry);

  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override { return base_->FindMissing(digests); }
  std::vector<Digest> FindMissingConfirmed(const std::vector<Digest>& digests) override {
    return base_->FindMissingConfirmed(digests);
  }
  StatusOr<std::vector<Digest>> FindMissingOrError(const std::vector<Digest>& digests) override {
    return base_->FindMissingOrError(digests);
  }
  Status Delete(const Digest& digest) override { return base_->Delete(digest); }
  // Counted when opened: a read that stops early still counts its whole blob.
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override;
  std::vector<StatusOr<std::string>> ReadBlobs(const std::vector<Digest>& digests) override;
  // Counted when committed.
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override;

  struct Traffic {
    metrics::Counter* count = nullptr;
    metrics::Counter* bytes = nullptr;
  };

 private:
  class Writer;
  BlobStore* const base_;
  std::array<Traffic, kBlobSizeClasses> reads_;
  std::array<Traffic, kBlobSizeClasses> writes_;
};

}  // namespace kiln
