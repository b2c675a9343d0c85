// Incremental hashing through OpenSSL's EVP interface (which uses SHA-NI where the CPU has
// it). Streams hash as data arrives so that no blob ever needs to be held in memory whole.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/digest.h"

namespace kiln {

class Hasher {
 public:
  explicit Hasher(DigestFunction function);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Update(std::string_view data);
  // Lowercase hex of the hash of everything passed to Update. REQUIRES: called once.
  std::string FinishHex();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

std::string HashHex(DigestFunction function, std::string_view data);
Digest ComputeDigest(DigestFunction function, std::string_view data);
// Digest of the regular file open at `fd`, read with pread from offset 0 (the fd's own
// offset is neither used nor moved). `name` is for error messages.
StatusOr<Digest> ComputeFileDigest(DigestFunction function, int fd, const std::string& name);

}  // namespace kiln
