// Incremental hashing of a blob under any of kiln's digest functions: OpenSSL's EVP
// interface (which uses SHA-NI where the CPU has it) for the SHA and MD5 families, kiln's
// own BLAKE3 (common/blake3.h). Streams hash as data arrives so that no blob ever needs to
// be held in memory whole.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/digest.h"

namespace kiln {

class Hasher {
 public:
  // `content_size` is the number of bytes Update will be given in all: GITSHA1 hashes it
  // first, in git's blob header (see HashNeedsSizeFirst); the other functions ignore it.
  Hasher(DigestFunction function, int64_t content_size);
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

// Only GITSHA1: its hash starts with the content's size, so a stream of unknown length
// cannot be hashed as it arrives (hash it once stored, e.g. with ComputeFileDigest).
bool HashNeedsSizeFirst(DigestFunction function);

std::string HashHex(DigestFunction function, std::string_view data);
Digest ComputeDigest(DigestFunction function, std::string_view data);
// Digest of the regular file open at `fd`, read with pread from offset 0 (the fd's own
// offset is neither used nor moved). `name` is for error messages.
StatusOr<Digest> ComputeFileDigest(DigestFunction function, int fd, const std::string& name);

}  // namespace kiln
