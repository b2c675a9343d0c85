#include "server/bytestream_read_reactor.h"

#include "server/grpc_status.h"
#include "server/read_response_frame.h"

namespace kiln {

// Large enough to amortise per-message overhead, small enough for any client's limits.
constexpr size_t kReadChunkBytes = 1024 * 1024;

ByteStreamReadReactor::ByteStreamReadReactor(std::unique_ptr<BlobReader> reader, int64_t length, Compression compression)
    : reader_(std::move(reader)), remaining_(length) {
  if (compression != Compression::kIdentity) compressor_ = NewCompressor(compression);
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
  if (compressor_) {
    auto chunk = NextCompressedChunk();
    if (!chunk.ok()) return Finish(ToGrpcStatus(chunk.status()));
    if (chunk->empty()) return Finish(grpc::Status::OK);
    response_ = FrameReadResponse(std::move(chunk).value());
  } else {
    if (remaining_ == 0) {
      // A read_limit stopped short of the blob's end: what was sent is only vouched for
      // once the rest is known to match the digest too (a no-op for verified files).
      Status rest = reader_->VerifyRemainder();
      return Finish(rest.ok() ? grpc::Status::OK : ToGrpcStatus(rest));
    }
    auto chunk = NextRawChunk();
    if (!chunk.ok()) return Finish(ToGrpcStatus(chunk.status()));
    response_ = std::move(chunk).value();
  }
  StartWrite(&response_);
}

StatusOr<grpc::ByteBuffer> ByteStreamReadReactor::NextRawChunk() {
  const size_t want = static_cast<size_t>(std::min<int64_t>(remaining_, kReadChunkBytes));
  auto chunk = reader_->ReadForSending(want);
  if (!chunk.ok()) return chunk.status();
  if (chunk->size == 0) return Status::DataLoss("blob ended early");
  remaining_ -= static_cast<int64_t>(chunk->size);
  return FrameReadResponse(std::move(chunk).value());
}

StatusOr<std::string> ByteStreamReadReactor::NextCompressedChunk() {
  std::string out;
  // A compressor may need several raw chunks before it emits output.
  while (out.empty() && !compressor_finished_) {
    if (remaining_ == 0) {
      compressor_finished_ = true;
      KILN_RETURN_IF_ERROR(compressor_->Compress("", /*last=*/true, &out));
      break;
    }
    chunk_.resize(static_cast<size_t>(std::min<int64_t>(remaining_, kReadChunkBytes)));
    auto n = reader_->Read(chunk_.data(), chunk_.size());
    if (!n.ok()) return n.status();
    if (*n == 0) return Status::DataLoss("blob ended early");
    chunk_.resize(*n);
    remaining_ -= static_cast<int64_t>(*n);
    KILN_RETURN_IF_ERROR(compressor_->Compress(chunk_, /*last=*/remaining_ == 0, &out));
    if (remaining_ == 0) compressor_finished_ = true;
  }
  return out;
}

}  // namespace kiln
