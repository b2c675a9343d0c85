#include "cas/blob_upload.h"

namespace kiln {

BlobUpload::BlobUpload(std::unique_ptr<BlobWriter> writer, const Digest& digest, Compression compression)
    : writer_(std::move(writer)), digest_(digest), compression_(compression) {
  if (compression_ != Compression::kIdentity) decompressor_ = NewDecompressor(compression_);
}

Status BlobUpload::Append(int64_t offset, std::string_view data) {
  if (offset != committed_size_) {
    return Status::InvalidArgument("write_offset " + std::to_string(offset) + " does not continue the upload of " +
                                   digest_.ToString() + ", which has " + std::to_string(committed_size_) +
                                   " bytes committed");
  }
  if (decompressor_) {
    // Piece by piece through the decompressor's fixed buffer: a small chunk declaring a huge
    // blob never makes its whole output exist in memory.
    KILN_RETURN_IF_ERROR(decompressor_->Decompress(
        data, [this](std::string_view piece) { return writer_->Write(piece); }, digest_.size()));
  } else {
    KILN_RETURN_IF_ERROR(writer_->Write(data));
  }
  committed_size_ += static_cast<int64_t>(data.size());
  return Status::Ok();
}

Status BlobUpload::Finish() {
  if (decompressor_ && !decompressor_->AtEnd()) {
    return Status::InvalidArgument("compressed upload of " + digest_.ToString() + " ends in the middle of its " +
                                   std::string(CompressionName(compression_)) + " stream");
  }
  return writer_->Commit();
}

}  // namespace kiln
