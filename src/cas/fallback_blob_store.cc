#include "cas/fallback_blob_store.h"

namespace kiln {
namespace {

bool Unavailable(const Status& status) { return status.code() == StatusCode::kUnavailable; }

// A reader on the primary that moves to the fallback, at the offset reached, when the
// primary fails with UNAVAILABLE.
class FallbackReader final : public BlobReader {
 public:
  FallbackReader(FallbackBlobStore* owner, BlobStore* fallback, std::shared_ptr<BlobStore> primary,
                 std::unique_ptr<BlobReader> reader, const Digest& digest, int64_t offset)
      : owner_(owner),
        fallback_(fallback),
        primary_(std::move(primary)),
        reader_(std::move(reader)),
        digest_(digest),
        offset_(offset) {}

  StatusOr<size_t> Read(char* buffer, size_t max) override {
    auto read = reader_->Read(buffer, max);
    if (!read.ok() && CanSwitch(read.status())) {
      KILN_RETURN_IF_ERROR(Switch(read.status()));
      read = reader_->Read(buffer, max);
    }
    if (read.ok()) offset_ += static_cast<int64_t>(*read);
    return read;
  }

  StatusOr<LentBytes> ReadForSending(size_t max) override {
    auto read = reader_->ReadForSending(max);
    if (!read.ok() && CanSwitch(read.status())) {
      KILN_RETURN_IF_ERROR(Switch(read.status()));
      read = reader_->ReadForSending(max);
    }
    if (read.ok()) offset_ += static_cast<int64_t>(read->size);
    return read;
  }

  Status VerifyRemainder() override { return reader_->VerifyRemainder(); }

 private:
  bool CanSwitch(const Status& status) const { return primary_ != nullptr && Unavailable(status); }

  Status Switch(const Status& failure) {
    owner_->PrimaryFailed(primary_.get(), failure);
    auto reader = fallback_->OpenRead(digest_, offset_);
    if (!reader.ok()) return reader.status();
    reader_ = std::move(reader).value();
    primary_.reset();  // Last: the old reader may need its store until it is gone.
    return Status::Ok();
  }

  FallbackBlobStore* const owner_;
  BlobStore* const fallback_;
  std::shared_ptr<BlobStore> primary_;  // Null once on the fallback. Declared before reader_.
  std::unique_ptr<BlobReader> reader_;
  const Digest digest_;
  int64_t offset_;
};

// A writer on the primary whose UNAVAILABLE starts the primary's cooldown.
class PrimaryWriter final : public BlobWriter {
 public:
  PrimaryWriter(FallbackBlobStore* owner, std::shared_ptr<BlobStore> primary, std::unique_ptr<BlobWriter> writer)
      : owner_(owner), primary_(std::move(primary)), writer_(std::move(writer)) {}
  Status Write(std::string_view data) override { return Noted(writer_->Write(data)); }
  int64_t bytes_written() const override { return writer_->bytes_written(); }
  Status Commit() override { return Noted(writer_->Commit()); }

 private:
  Status Noted(Status status) {
    if (Unavailable(status)) owner_->PrimaryFailed(primary_.get(), status);
    return status;
  }

  FallbackBlobStore* const owner_;
  std::shared_ptr<BlobStore> primary_;  // Declared before writer_: outlives it.
  std::unique_ptr<BlobWriter> writer_;
};

}  // namespace

FallbackBlobStore::FallbackBlobStore(BlobStore* fallback, const Clock* clock, FallbackBlobStoreOptions options)
    : fallback_(fallback), clock_(clock), options_(std::move(options)) {}

std::shared_ptr<BlobStore> FallbackBlobStore::SetPrimary(std::shared_ptr<BlobStore> primary) {
  std::lock_guard lock(mutex_);
  std::swap(primary_, primary);
  cooling_until_ = TimePoint{};
  return primary;
}

bool FallbackBlobStore::has_primary() const {
  std::lock_guard lock(mutex_);
  return primary_ != nullptr;
}

std::shared_ptr<BlobStore> FallbackBlobStore::UsablePrimary() const {
  std::lock_guard lock(mutex_);
  if (primary_ == nullptr || clock_->Now() < cooling_until_) return nullptr;
  return primary_;
}

void FallbackBlobStore::PrimaryFailed(const BlobStore* failed, const Status& status) {
  {
    std::lock_guard lock(mutex_);
    if (primary_.get() != failed) return;  // Replaced meanwhile: the new one is untried.
    cooling_until_ = clock_->Now() + options_.cooldown;
  }
  if (options_.on_fallback) options_.on_fallback(status);
}

std::vector<Digest> FallbackBlobStore::FindMissing(const std::vector<Digest>& digests) {
  return MissingOrAll(FindMissingOrError(digests), digests);
}

StatusOr<std::vector<Digest>> FallbackBlobStore::FindMissingOrError(const std::vector<Digest>& digests) {
  if (std::shared_ptr<BlobStore> primary = UsablePrimary()) {
    auto missing = primary->FindMissingOrError(digests);
    if (!Unavailable(missing.status())) {
      ++primary_calls_;
      return missing;
    }
    PrimaryFailed(primary.get(), missing.status());
  }
  ++fallback_calls_;
  return fallback_->FindMissingOrError(digests);
}

StatusOr<std::unique_ptr<BlobReader>> FallbackBlobStore::OpenRead(const Digest& digest, int64_t offset) {
  if (std::shared_ptr<BlobStore> primary = UsablePrimary()) {
    auto reader = primary->OpenRead(digest, offset);
    if (reader.ok()) {
      ++primary_calls_;
      return std::unique_ptr<BlobReader>(new FallbackReader(this, fallback_, std::move(primary),
                                                            std::move(reader).value(), digest, offset));
    }
    if (!Unavailable(reader.status())) {
      ++primary_calls_;
      return reader.status();
    }
    PrimaryFailed(primary.get(), reader.status());
  }
  ++fallback_calls_;
  return fallback_->OpenRead(digest, offset);
}

StatusOr<std::unique_ptr<BlobWriter>> FallbackBlobStore::OpenWrite(const Digest& digest) {
  if (std::shared_ptr<BlobStore> primary = UsablePrimary()) {
    auto writer = primary->OpenWrite(digest);
    if (writer.ok()) {
      ++primary_calls_;
      return std::unique_ptr<BlobWriter>(new PrimaryWriter(this, std::move(primary), std::move(writer).value()));
    }
    if (!Unavailable(writer.status())) {
      ++primary_calls_;
      return writer.status();
    }
    PrimaryFailed(primary.get(), writer.status());
  }
  ++fallback_calls_;
  return fallback_->OpenWrite(digest);
}

}  // namespace kiln
