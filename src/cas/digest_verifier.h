// Hashes and counts the bytes of an upload so that a store can refuse to publish data that
// does not match the digest the client claimed.
#pragma once

#include <string_view>

#include "common/digest.h"
#include "common/hasher.h"

namespace kiln {

class DigestVerifier {
 public:
  explicit DigestVerifier(const Digest& expected) : expected_(expected), hasher_(expected.function(), expected.size()) {}

  // INVALID_ARGUMENT as soon as more bytes arrive than the digest's size.
  Status Update(std::string_view data);
  int64_t bytes_seen() const { return bytes_seen_; }
  // INVALID_ARGUMENT naming expected and actual size or hash. REQUIRES: called once.
  Status Finish();

 private:
  Digest expected_;
  Hasher hasher_;
  int64_t bytes_seen_ = 0;
};

}  // namespace kiln
