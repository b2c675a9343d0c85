// Puts what an action produced into the CAS: files streamed from an fd (hashed first, then
// uploaded only if the CAS lacks them, so a multi-GiB output never sits in memory) and
// serialized messages (Tree, Directory). Digests use the action's digest function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cas/blob_store.h"
#include "common/digest.h"

namespace kiln {

class CasUploader {
 public:
  CasUploader(BlobStore* cas, DigestFunction function) : cas_(cas), function_(function) {}

  // Uploads the regular file open at `fd` (read with pread; the offset is ignored).
  // `name` is for error messages. INTERNAL if the file changes while being uploaded.
  StatusOr<Digest> UploadFile(int fd, const std::string& name);
  // Uploads the file at `fd` whose digest the caller already computed, unless the CAS
  // has it. INTERNAL if the file does not match `digest` (it changed meanwhile).
  Status UploadFileWithDigest(int fd, const Digest& digest, const std::string& name);
  // Uploads `bytes` (a serialized message) unless the CAS has it.
  StatusOr<Digest> UploadBytes(std::string_view bytes);

  DigestFunction function() const { return function_; }

 private:
  StatusOr<Digest> HashFile(int fd, const std::string& name);

  BlobStore* cas_;
  DigestFunction function_;
  std::vector<char> buffer_;
};

}  // namespace kiln
