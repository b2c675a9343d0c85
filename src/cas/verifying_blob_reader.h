// A reader over a stored blob whose file is not known to be intact: it hashes every byte
// as it passes and, at the blob's end, compares the hash with the digest. A mismatch turns
// the read of the blob's last bytes into DATA_LOSS, so no caller ever receives the whole
// of a corrupt blob as if it were good: streamed reads (ByteStream) end with DATA_LOSS
// after the data before it, and callers that read the whole blob before using it
// (BatchReadBlobs, Directory messages, input staging) get an error instead of the blob.
//
// The verdict, either way, goes to a callback once: the disk store records a match (so
// the next read need not hash) and quarantines a mismatch.
#pragma once

#include <functional>
#include <memory>

#include "cas/blob_store.h"
#include "common/hasher.h"

namespace kiln {

class VerifyingBlobReader final : public BlobReader {
 public:
  // REQUIRES: `base` reads `digest`'s bytes from offset 0.
  VerifyingBlobReader(std::unique_ptr<BlobReader> base, const Digest& digest, std::function<void(bool intact)> verdict)
      : base_(std::move(base)), digest_(digest), hasher_(digest.function(), digest.size()), verdict_(std::move(verdict)) {}

  StatusOr<size_t> Read(char* buffer, size_t max) override;
  StatusOr<LentBytes> ReadForSending(size_t max) override;
  Status VerifyRemainder() override;

 private:
  // Hashes bytes read; at the blob's end, DATA_LOSS if they do not match the digest.
  Status Account(const char* data, size_t size);

  std::unique_ptr<BlobReader> base_;
  Digest digest_;
  Hasher hasher_;
  std::function<void(bool intact)> verdict_;
  int64_t position_ = 0;
  bool finished_ = false;
  Status result_;  // Of the comparison, once finished_.
};

// The message of a corrupt blob's DATA_LOSS.
Status CorruptBlobStatus(const Digest& digest);

}  // namespace kiln
