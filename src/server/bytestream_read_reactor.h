// Streams a blob (or a slice of it) to a ByteStream Read client, one chunk per message,
// reading the next chunk only after the previous one was sent: memory per stream is one
// chunk, whatever the blob's size. Optionally zstd-compresses on the fly.
#pragma once

#include <grpcpp/grpcpp.h>

#include "cas/blob_store.h"
#include "common/compression.h"
#include "google/bytestream/bytestream.pb.h"

namespace kiln {

class ByteStreamReadReactor final : public grpc::ServerWriteReactor<google::bytestream::ReadResponse> {
 public:
  ByteStreamReadReactor(std::unique_ptr<BlobReader> reader, int64_t length, Compression compression);
  void OnWriteDone(bool ok) override;
  void OnDone() override { delete this; }

 private:
  void SendNextChunk();

  std::unique_ptr<BlobReader> reader_;
  int64_t remaining_;
  std::unique_ptr<ZstdCompressor> compressor_;
  bool compressor_finished_ = false;
  std::string chunk_;
  google::bytestream::ReadResponse response_;
};

}  // namespace kiln
