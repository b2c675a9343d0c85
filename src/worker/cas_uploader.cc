#include "worker/cas_uploader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "common/file_util.h"
#include "common/hasher.h"

namespace kiln {
namespace {

constexpr size_t kChunkBytes = 1 << 20;

}  // namespace

StatusOr<Digest> CasUploader::UploadFile(int fd, const std::string& name) {
  auto digest = ComputeFileDigest(function_, fd, name);
  if (!digest.ok()) return digest;
  KILN_RETURN_IF_ERROR(UploadFileWithDigest(fd, *digest, name));
  return digest;
}

Status CasUploader::UploadFileWithDigest(int fd, const Digest& digest, const std::string& name) {
  if (cas_->FindMissing({digest}).empty()) return Status::Ok();
  buffer_.resize(static_cast<size_t>(std::clamp<int64_t>(digest.size(), 1, kChunkBytes)));  // Small files, small buffer.
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

StatusOr<Digest> CasUploader::UploadOutputFile(int dir_fd, const std::string& entry, int fd,
                                               const std::string& name) {
  if (output_budget_ > 0) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return ErrnoStatus("stat", name, errno);
    output_bytes_ += st.st_size;
    if (output_bytes_ > output_budget_) {
      return Status(StatusCode::kResourceExhausted,
                    "the outputs add up to more than the limit of " + std::to_string(output_budget_) + " bytes (" +
                        budget_name_ + "); " + name + " alone has " + std::to_string(st.st_size));
    }
  }
  if (mover_) {
    auto moved = mover_(dir_fd, entry, fd, function_);
    if (!moved.ok()) return moved.status().WithContext("moving " + name + " into the CAS");
    if (moved->has_value()) return **moved;
  }
  return UploadFile(fd, name);
}

StatusOr<Digest> CasUploader::UploadBytes(std::string_view bytes) {
  Digest digest = ComputeDigest(function_, bytes);
  if (cas_->FindMissing({digest}).empty()) return digest;
  KILN_RETURN_IF_ERROR(WriteBlob(*cas_, digest, bytes));
  return digest;
}

}  // namespace kiln
