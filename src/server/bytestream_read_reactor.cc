#include "server/bytestream_read_reactor.h"

#include "server/grpc_status.h"

namespace kiln {

// Large enough to amortise per-message overhead, small enough for any client's limits.
constexpr size_t kReadChunkBytes = 1024 * 1024;

ByteStreamReadReactor::ByteStreamReadReactor(std::unique_ptr<BlobReader> reader, int64_t length, Compression compression)
    : reader_(std::move(reader)), remaining_(length) {
  if (compression == Compression::kZstd) compressor_ = std::make_unique<ZstdCompressor>();
  SendNextChunk();
}

void ByteStreamReadReactor::OnWriteDone(bool ok) {
  if (!ok) {
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
    return;
  }
  SendNextChunk();
}

void ByteStreamReadReactor::SendNextChunk() {
  std::string* out = response_.mutable_data();
  // Reading straight into the message: keep its size between chunks, as resize() zero-fills
  // whatever it grows (a 1 MiB memset per chunk otherwise).
  if (compressor_) out->clear();
  bool filled = false;
  // A compressed stream may need several raw chunks before zstd emits output.
  while (compressor_ ? out->empty() : !filled) {
    if (remaining_ == 0) {
      if (!compressor_ || compressor_finished_) {
        Finish(grpc::Status::OK);
        return;
      }
      compressor_finished_ = true;
      Status status = compressor_->Compress("", /*last=*/true, out);
      if (!status.ok()) {
        Finish(ToGrpcStatus(status));
        return;
      }
      continue;
    }
    std::string* target = compressor_ ? &chunk_ : out;
    const size_t want = static_cast<size_t>(std::min<int64_t>(remaining_, kReadChunkBytes));
    if (target->size() != want) target->resize(want);
    auto n = reader_->Read(target->data(), target->size());
    if (!n.ok() || *n == 0) {
      Finish(ToGrpcStatus(n.ok() ? Status::DataLoss("blob ended early") : n.status()));
      return;
    }
    target->resize(*n);
    filled = true;
    remaining_ -= static_cast<int64_t>(*n);
    if (compressor_) {
      Status status = compressor_->Compress(chunk_, /*last=*/remaining_ == 0, out);
      if (!status.ok()) {
        Finish(ToGrpcStatus(status));
        return;
      }
      if (remaining_ == 0) compressor_finished_ = true;
    }
  }
  StartWrite(&response_);
}

}  // namespace kiln
