// One ByteStream upload as the wire sees it: checks that each chunk continues where the
// last one ended, decompresses compressed uploads on the fly, and feeds a BlobWriter that
// verifies the digest. Knows nothing of gRPC. Not thread-safe (one stream at a time).
//
// Offsets follow REAPI: for a plain upload, bytes of the blob; for a compressed upload,
// bytes of compressed data received (the first request starts at uncompressed offset 0).
#pragma once

#include <atomic>
#include <memory>
#include <string_view>

#include "cas/blob_store.h"
#include "common/compression.h"

namespace kiln {

class BlobUpload {
 public:
  BlobUpload(std::unique_ptr<BlobWriter> writer, const Digest& digest, Compression compression);

  // INVALID_ARGUMENT if `offset` is not committed_size(), or the data is bad.
  Status Append(int64_t offset, std::string_view data);
  // Verifies and publishes the blob.
  Status Finish();
  // Wire bytes accepted so far: the offset the next chunk must start at.
  // Safe to call from another thread while a stream appends (QueryWriteStatus).
  int64_t committed_size() const { return committed_size_.load(std::memory_order_relaxed); }
  const Digest& digest() const { return digest_; }
  Compression compression() const { return compression_; }

 private:
  std::unique_ptr<BlobWriter> writer_;
  Digest digest_;
  Compression compression_;
  std::unique_ptr<StreamDecompressor> decompressor_;  // Null for identity.
  std::atomic<int64_t> committed_size_{0};
};

}  // namespace kiln
