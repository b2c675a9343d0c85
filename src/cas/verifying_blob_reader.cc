#include "cas/verifying_blob_reader.h"

#include <memory>

namespace kiln {

Status CorruptBlobStatus(const Digest& digest) {
  return Status::DataLoss("the stored copy of blob " + digest.ToString() +
                          " does not match its digest (corrupted on disk); it was quarantined and is missing "
                          "from the CAS now: upload it again");
}

Status VerifyingBlobReader::Account(const char* data, size_t size) {
  if (finished_) return result_;
  hasher_.Update(std::string_view(data, size));
  position_ += static_cast<int64_t>(size);
  if (position_ < digest_.size()) return Status::Ok();
  finished_ = true;
  const bool intact = position_ == digest_.size() && hasher_.FinishHex() == digest_.hash();
  result_ = intact ? Status::Ok() : CorruptBlobStatus(digest_);
  verdict_(intact);
  return result_;
}

StatusOr<size_t> VerifyingBlobReader::Read(char* buffer, size_t max) {
  auto n = base_->Read(buffer, max);
  if (!n.ok() || *n == 0) return n;
  KILN_RETURN_IF_ERROR(Account(buffer, *n));
  return n;
}

StatusOr<LentBytes> VerifyingBlobReader::ReadForSending(size_t max) {
  auto bytes = base_->ReadForSending(max);
  if (!bytes.ok() || bytes->size == 0) return bytes;
  // Mapped bytes are read in user space here; guarded_mapping.h turns a file cut short
  // meanwhile into zeros, which then fail the comparison.
  KILN_RETURN_IF_ERROR(Account(bytes->data, bytes->size));
  return bytes;
}

Status VerifyingBlobReader::VerifyRemainder() {
  constexpr size_t kChunkBytes = 1 << 20;
  std::unique_ptr<char[]> buffer;
  while (!finished_) {
    if (!buffer) buffer.reset(new char[kChunkBytes]);
    auto n = Read(buffer.get(), kChunkBytes);
    if (!n.ok()) return n.status();
    if (*n == 0) return Status::DataLoss("blob " + digest_.ToString() + " ended early");
  }
  return result_;
}

}  // namespace kiln
