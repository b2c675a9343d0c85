#include "cas/metered_blob_store.h"

namespace kiln {

size_t BlobSizeClass(int64_t size_bytes) {
  if (size_bytes <= 4 << 10) return 0;
  if (size_bytes <= 64 << 10) return 1;
  if (size_bytes <= 1 << 20) return 2;
  if (size_bytes <= 16 << 20) return 3;
  return 4;
}

const char* BlobSizeClassName(size_t size_class) {
  static constexpr const char* kNames[kBlobSizeClasses] = {"0-4KiB", "4KiB-64KiB", "64KiB-1MiB", "1MiB-16MiB",
                                                           "16MiB+"};
  return kNames[size_class];
}

class MeteredBlobStore::Writer final : public BlobWriter {
 public:
  Writer(std::unique_ptr<BlobWriter> base, Traffic traffic, int64_t size)
      : base_(std::move(base)), traffic_(traffic), size_(size) {}
  Status Write(std::string_view data) override { return base_->Write(data); }
  int64_t bytes_written() const override { return base_->bytes_written(); }
  Status Commit() override {
    Status committed = base_->Commit();
    if (committed.ok()) {
      traffic_.count->Inc();
      traffic_.bytes->Inc(static_cast<uint64_t>(size_));
    }
    return committed;
  }

 private:
  std::unique_ptr<BlobWriter> base_;
  const Traffic traffic_;
  const int64_t size_;
};

MeteredBlobStore::MeteredBlobStore(BlobStore* base, metrics::MetricRegistry& registry) : base_(base) {
  auto& reads = registry.AddCounter("kiln_cas_reads_total", "CAS blob reads by clients, by blob size class.",
                                    {"size_class"});
  auto& read_bytes = registry.AddCounter("kiln_cas_read_bytes_total",
                                         "Bytes of the CAS blobs clients read, by blob size class.", {"size_class"});
  auto& writes = registry.AddCounter("kiln_cas_writes_total", "CAS blobs clients wrote, by blob size class.",
                                     {"size_class"});
  auto& written_bytes = registry.AddCounter("kiln_cas_written_bytes_total",
                                            "Bytes of the CAS blobs clients wrote, by blob size class.",
                                            {"size_class"});
  for (size_t size_class = 0; size_class < kBlobSizeClasses; ++size_class) {
    const std::vector<std::string> label = {BlobSizeClassName(size_class)};
    reads_[size_class] = {&reads.WithLabels(label), &read_bytes.WithLabels(label)};
    writes_[size_class] = {&writes.WithLabels(label), &written_bytes.WithLabels(label)};
  }
}

StatusOr<std::unique_ptr<BlobReader>> MeteredBlobStore::OpenRead(const Digest& digest, int64_t offset) {
  auto reader = base_->OpenRead(digest, offset);
  if (reader.ok()) {
    const Traffic& traffic = reads_[BlobSizeClass(digest.size())];
    traffic.count->Inc();
    traffic.bytes->Inc(static_cast<uint64_t>(digest.size() - offset));
  }
  return reader;
}

std::vector<StatusOr<std::string>> MeteredBlobStore::ReadBlobs(const std::vector<Digest>& digests) {
  std::vector<StatusOr<std::string>> blobs = base_->ReadBlobs(digests);
  for (size_t i = 0; i < blobs.size() && i < digests.size(); ++i) {
    if (!blobs[i].ok()) continue;
    const Traffic& traffic = reads_[BlobSizeClass(digests[i].size())];
    traffic.count->Inc();
    traffic.bytes->Inc(static_cast<uint64_t>(digests[i].size()));
  }
  return blobs;
}

StatusOr<std::unique_ptr<BlobWriter>> MeteredBlobStore::OpenWrite(const Digest& digest) {
  auto writer = base_->OpenWrite(digest);
  if (!writer.ok()) return writer.status();
  return std::unique_ptr<BlobWriter>(
      std::make_unique<Writer>(std::move(writer).value(), writes_[BlobSizeClass(digest.size())], digest.size()));
}

}  // namespace kiln
