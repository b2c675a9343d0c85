// A series of distinct blobs of one size whose digests are all known before the clock
// starts, in bounded memory. Blob i is a shared pseudo-random body followed by a 16-byte
// suffix (a per-run random tag and i), so the body is stored once and hashed once: each
// digest continues from the SHA-256 state after the body and only hashes the suffix. The
// server still has to hash every blob whole, which is what the write scenarios measure.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/digest.h"

namespace kiln {

class UniqueBlobSeries {
 public:
  static constexpr size_t kSuffixBytes = 16;

  // REQUIRES: blob_size >= kSuffixBytes. The tag makes this run's blobs differ from any
  // earlier run's, so the server has none of them yet.
  UniqueBlobSeries(size_t blob_size, uint64_t run_tag);

  // Computes the SHA-256 digests of blobs [0, count).
  void Prepare(size_t count);
  size_t count() const { return hashes_.size(); }
  // Hands out the next `n` blobs not handed out before (their first index), or nullopt
  // when fewer than `n` prepared blobs are left. Thread-safe.
  std::optional<size_t> Take(size_t n);

  size_t blob_size() const { return body_.size() + kSuffixBytes; }
  std::string_view body() const { return body_; }
  std::string Suffix(size_t index) const;
  // REQUIRES: index < count().
  Digest DigestOf(size_t index) const;
  // The whole blob; for small blobs (batch calls).
  std::string Blob(size_t index) const { return body_ + Suffix(index); }

 private:
  std::string body_;
  uint64_t run_tag_;
  std::vector<std::array<uint8_t, 32>> hashes_;
  std::atomic<size_t> next_{0};
};

// Deterministic, incompressible bytes (xorshift), for blob contents.
std::string PseudoRandomBytes(size_t size, uint64_t seed);
// A random value for tagging this run's unique data.
uint64_t NewRunTag();

}  // namespace kiln
