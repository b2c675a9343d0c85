#include "cas/blob_chunk_stream.h"

#include <cstring>

namespace kiln {

BlobChunkStream::BlobChunkStream(std::unique_ptr<BlobReader> reader, std::unique_ptr<ChunkBoundaries> boundaries)
    : reader_(std::move(reader)), boundaries_(std::move(boundaries)) {
  // Twice the window: a refill moves less than a window to the front and then reads at
  // least a window, so no byte is moved more than once on average.
  buffer_.resize(2 * boundaries_->window_bytes() + 64 * 1024);
}

Status BlobChunkStream::Fill() {
  const size_t window = boundaries_->window_bytes();
  if (at_end_ || end_ - begin_ >= window) return Status::Ok();
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (end_ < buffer_.size()) {
    auto read = reader_->Read(buffer_.data() + end_, buffer_.size() - end_);
    if (!read.ok()) return read.status();
    if (*read == 0) {
      at_end_ = true;
      break;
    }
    end_ += *read;
  }
  return Status::Ok();
}

StatusOr<std::string_view> BlobChunkStream::Next() {
  KILN_RETURN_IF_ERROR(Fill());
  if (begin_ == end_) return std::string_view();
  const std::string_view rest(buffer_.data() + begin_, end_ - begin_);
  const size_t length = boundaries_->NextChunk(rest, at_end_);
  begin_ += length;
  offset_ += static_cast<int64_t>(length);
  return rest.substr(0, length);
}

}  // namespace kiln
