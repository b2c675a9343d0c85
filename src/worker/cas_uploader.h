// Puts what an action produced into the CAS: files streamed from an fd (hashed first, then
// uploaded only if the CAS lacks them, so a multi-GiB output never sits in memory) and
// serialized messages (Tree, Directory). Digests use the action's digest function.
// With an OutputMover, output files are moved into a CAS on the same disk instead.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cas/blob_store.h"
#include "common/digest.h"

namespace kiln {

// Moves the finished file `name` in `dir_fd` (open at `fd`) into the CAS without copying
// it, returning its digest; nullopt when it cannot (the caller then copies). Only sound
// when no process can still write the file (see DiskBlobStore::AdoptFile).
using OutputMover = std::function<StatusOr<std::optional<Digest>>(int dir_fd, const std::string& name, int fd,
                                                                  DigestFunction function)>;

class CasUploader {
 public:
  CasUploader(BlobStore* cas, DigestFunction function, OutputMover mover = {})
      : cas_(cas), function_(function), mover_(std::move(mover)) {}

  // Uploads the regular file open at `fd` (read with pread; the offset is ignored).
  // `name` is for error messages. INTERNAL if the file changes while being uploaded.
  StatusOr<Digest> UploadFile(int fd, const std::string& name);
  // An output file, `entry` in `dir_fd`, open at `fd`: moved into the CAS when a mover is
  // set and can take it, uploaded like UploadFile otherwise. Either way it may be gone
  // from the directory afterwards. RESOURCE_EXHAUSTED, before anything is read, once the
  // output files' apparent sizes add up to more than the output budget.
  StatusOr<Digest> UploadOutputFile(int dir_fd, const std::string& entry, int fd, const std::string& name);
  // Uploads the file at `fd` whose digest the caller already computed, unless the CAS
  // has it. INTERNAL if the file does not match `digest` (it changed meanwhile).
  Status UploadFileWithDigest(int fd, const Digest& digest, const std::string& name);
  // Uploads `bytes` (a serialized message) unless the CAS has it.
  StatusOr<Digest> UploadBytes(std::string_view bytes);

  DigestFunction function() const { return function_; }
  // The most bytes UploadOutputFile takes in all (apparent sizes: a sparse file counts
  // fully); 0 = unlimited. `limit_name` says where the limit comes from, for the error.
  void SetOutputBudget(int64_t max_bytes, std::string limit_name) {
    output_budget_ = max_bytes;
    budget_name_ = std::move(limit_name);
  }

 private:
  BlobStore* cas_;
  DigestFunction function_;
  OutputMover mover_;
  std::vector<char> buffer_;
  int64_t output_budget_ = 0;
  int64_t output_bytes_ = 0;
  std::string budget_name_;
};

}  // namespace kiln
