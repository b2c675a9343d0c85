// Hashes and counts the bytes of an upload so that a store can refuse to publish data that
// does not match the digest the client claimed.
#pragma once

#include <string_view>

#include "common/digest.h"
#include "common/hasher.h"

namespace kiln {

class DigestVerifier {
 public:
  // `hash` false: counts only (sizes are still checked), for a writer whose receiver checks
  // the hash itself.
  explicit DigestVerifier(const Digest& expected, bool hash = true)
      : expected_(expected), hasher_(expected.function(), expected.size()), hash_(hash) {}

  // INVALID_ARGUMENT as soon as more bytes arrive than the digest's size.
  Status Update(std::string_view data);
  int64_t bytes_seen() const { return bytes_seen_; }
  // INVALID_ARGUMENT naming expected and actual size or hash. REQUIRES: called once.
  Status Finish();

 private:
  Digest expected_;
  Hasher hasher_;
  const bool hash_;
  int64_t bytes_seen_ = 0;
};

}  // namespace kiln
