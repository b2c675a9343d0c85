#include "worker/cas_uploader.h"

#include "common/file_util.h"
#include "common/hasher.h"

namespace kiln {
namespace {

constexpr size_t kChunkBytes = 1 << 20;

}  // namespace

StatusOr<Digest> CasUploader::HashFile(int fd, const std::string& name) {
  buffer_.resize(kChunkBytes);
  Hasher hasher(function_);
  int64_t size = 0;
  while (true) {
    auto n = PreadFull(fd, buffer_.data(), buffer_.size(), size);
    if (!n.ok()) return n.status().WithContext("reading " + name);
    if (*n == 0) break;
    hasher.Update(std::string_view(buffer_.data(), *n));
    size += static_cast<int64_t>(*n);
  }
  return Digest::Create(function_, hasher.FinishHex(), size);
}

StatusOr<Digest> CasUploader::UploadFile(int fd, const std::string& name) {
  auto digest = HashFile(fd, name);
  if (!digest.ok()) return digest;
  KILN_RETURN_IF_ERROR(UploadFileWithDigest(fd, *digest, name));
  return digest;
}

Status CasUploader::UploadFileWithDigest(int fd, const Digest& digest, const std::string& name) {
  if (cas_->FindMissing({digest}).empty()) return Status::Ok();
  buffer_.resize(kChunkBytes);
  auto writer = cas_->OpenWrite(digest);
  if (!writer.ok()) return writer.status().WithContext("uploading " + name);
  for (int64_t offset = 0; offset < digest.size();) {
    auto n = PreadFull(fd, buffer_.data(), buffer_.size(), offset);
    if (!n.ok()) return n.status().WithContext("reading " + name);
    if (*n == 0) break;
    KILN_RETURN_IF_ERROR((*writer)->Write(std::string_view(buffer_.data(), *n)).WithContext("uploading " + name));
    offset += static_cast<int64_t>(*n);
  }
  Status committed = (*writer)->Commit();
  if (committed.code() == StatusCode::kInvalidArgument) {
    // Something outside the killed process group is still writing the file.
    return Status::Internal(name + " changed while it was being uploaded: " + committed.message());
  }
  return committed.WithContext("uploading " + name);
}

StatusOr<Digest> CasUploader::UploadBytes(std::string_view bytes) {
  Digest digest = ComputeDigest(function_, bytes);
  if (cas_->FindMissing({digest}).empty()) return digest;
  KILN_RETURN_IF_ERROR(WriteBlob(*cas_, digest, bytes));
  return digest;
}

}  // namespace kiln
