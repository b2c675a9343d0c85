// Streams a blob (or a slice of it) to a ByteStream Read client, one chunk per message,
// reading the next chunk only after the previous one was sent: memory per stream is one
// chunk in flight, whatever the blob's size. Optionally compresses on the fly (zstd, deflate or brotli). Chunks
// go out as hand-framed ReadResponses (see read_response_frame.h), never copied by protobuf.
#pragma once

#include <grpcpp/grpcpp.h>

#include "cas/blob_store.h"
#include "common/compression.h"

namespace kiln {

class ByteStreamReadReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  ByteStreamReadReactor(std::unique_ptr<BlobReader> reader, int64_t length, Compression compression);
  void OnWriteDone(bool ok) override;
  void OnDone() override { delete this; }

 private:
  void SendNextChunk();
  // The next message's bytes: a raw chunk, or as much compressed output as the next raw
  // chunks produce. Empty when there is nothing more to send.
  StatusOr<grpc::ByteBuffer> NextRawChunk();
  StatusOr<std::string> NextCompressedChunk();

  std::unique_ptr<BlobReader> reader_;
  int64_t remaining_;
  std::unique_ptr<StreamCompressor> compressor_;  // Null for identity.
  bool compressor_finished_ = false;
  std::string chunk_;
  grpc::ByteBuffer response_;
};

}  // namespace kiln
