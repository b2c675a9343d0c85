// A BlobWriter for blobs that travel whole: the bytes are checked against the digest as
// they arrive and kept in memory; only a verified blob is handed to Deliver, once.
#pragma once

#include <string>
#include <string_view>

#include "cas/blob_store.h"
#include "cas/digest_verifier.h"

namespace kiln {

class BufferedBlobWriter : public BlobWriter {
 public:
  explicit BufferedBlobWriter(const Digest& digest) : digest_(digest), verifier_(digest) {}

  Status Write(std::string_view data) final {
    KILN_RETURN_IF_ERROR(verifier_.Update(data));
    buffer_.append(data);
    return Status::Ok();
  }
  int64_t bytes_written() const final { return verifier_.bytes_seen(); }
  Status Commit() final {
    KILN_RETURN_IF_ERROR(verifier_.Finish());
    return Deliver(std::move(buffer_));
  }

 protected:
  const Digest& digest() const { return digest_; }
  // Stores the verified bytes wherever this writer's store keeps them.
  virtual Status Deliver(std::string data) = 0;

 private:
  Digest digest_;
  DigestVerifier verifier_;
  std::string buffer_;
};

}  // namespace kiln
