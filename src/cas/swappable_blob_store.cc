#include "cas/swappable_blob_store.h"

namespace kiln {
namespace {

// Declared after `store` so that the store outlives the reader or writer it opened.
class StoreHoldingReader final : public BlobReader {
 public:
  StoreHoldingReader(std::shared_ptr<BlobStore> store, std::unique_ptr<BlobReader> reader)
      : store_(std::move(store)), reader_(std::move(reader)) {}
  StatusOr<size_t> Read(char* buffer, size_t max) override { return reader_->Read(buffer, max); }
  StatusOr<LentBytes> ReadForSending(size_t max) override { return reader_->ReadForSending(max); }
  Status VerifyRemainder() override { return reader_->VerifyRemainder(); }

 private:
  std::shared_ptr<BlobStore> store_;
  std::unique_ptr<BlobReader> reader_;
};

class StoreHoldingWriter final : public BlobWriter {
 public:
  StoreHoldingWriter(std::shared_ptr<BlobStore> store, std::unique_ptr<BlobWriter> writer)
      : store_(std::move(store)), writer_(std::move(writer)) {}
  Status Write(std::string_view data) override { return writer_->Write(data); }
  int64_t bytes_written() const override { return writer_->bytes_written(); }
  Status Commit() override { return writer_->Commit(); }

 private:
  std::shared_ptr<BlobStore> store_;
  std::unique_ptr<BlobWriter> writer_;
};

}  // namespace

SwappableBlobStore::SwappableBlobStore(Status when_empty) : when_empty_(std::move(when_empty)) {}

std::shared_ptr<BlobStore> SwappableBlobStore::Replace(std::shared_ptr<BlobStore> store) {
  std::lock_guard lock(mutex_);
  std::swap(current_, store);
  return store;
}

std::shared_ptr<BlobStore> SwappableBlobStore::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::vector<Digest> SwappableBlobStore::FindMissing(const std::vector<Digest>& digests) {
  std::shared_ptr<BlobStore> store = current();
  if (!store) return MissingOrAll(when_empty_, digests);
  return store->FindMissing(digests);
}

std::vector<Digest> SwappableBlobStore::FindMissingConfirmed(const std::vector<Digest>& digests) {
  std::shared_ptr<BlobStore> store = current();
  if (!store) return MissingOrAll(when_empty_, digests);
  return store->FindMissingConfirmed(digests);
}

StatusOr<std::vector<Digest>> SwappableBlobStore::FindMissingOrError(const std::vector<Digest>& digests) {
  std::shared_ptr<BlobStore> store = current();
  if (!store) return when_empty_;
  return store->FindMissingOrError(digests);
}

StatusOr<std::unique_ptr<BlobReader>> SwappableBlobStore::OpenRead(const Digest& digest, int64_t offset) {
  std::shared_ptr<BlobStore> store = current();
  if (!store) return when_empty_;
  auto reader = store->OpenRead(digest, offset);
  if (!reader.ok()) return reader.status();
  return std::unique_ptr<BlobReader>(new StoreHoldingReader(std::move(store), std::move(reader).value()));
}

std::vector<StatusOr<std::string>> SwappableBlobStore::ReadBlobs(const std::vector<Digest>& digests) {
  std::shared_ptr<BlobStore> store = current();
  if (!store) return std::vector<StatusOr<std::string>>(digests.size(), when_empty_);
  return store->ReadBlobs(digests);
}

StatusOr<std::unique_ptr<BlobWriter>> SwappableBlobStore::OpenWrite(const Digest& digest) {
  std::shared_ptr<BlobStore> store = current();
  if (!store) return when_empty_;
  auto writer = store->OpenWrite(digest);
  if (!writer.ok()) return writer.status();
  return std::unique_ptr<BlobWriter>(new StoreHoldingWriter(std::move(store), std::move(writer).value()));
}

Status SwappableBlobStore::Delete(const Digest& digest) {
  std::shared_ptr<BlobStore> store = current();
  if (!store) return when_empty_;
  return store->Delete(digest);
}

}  // namespace kiln
