// Principals of JWTs already verified, kept until the token expires, so that a client
// sending the same token on every call pays for one signature check, not one per call.
// Keyed by the token's SHA-256 (the token itself is not kept). Bounded: when full, expired
// entries go first, then the oldest. Thread-safe.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "auth/principal.h"
#include "auth/token_digest.h"
#include "common/clock.h"

namespace kiln {

class JwtCache {
 public:
  explicit JwtCache(size_t max_entries) : max_entries_(max_entries) {}

  // The principal cached for `token`, or null when absent or expired at `now`.
  std::shared_ptr<const Principal> Find(const TokenDigest& token, WallTimePoint now);
  // Remembers `principal` for `token` until `expires`.
  void Insert(const TokenDigest& token, std::shared_ptr<const Principal> principal, WallTimePoint expires,
              WallTimePoint now);

  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const Principal> principal;
    WallTimePoint expires;
    uint64_t sequence;  // Which insertion of this token the `order_` entry refers to.
  };
  void MakeRoomLocked(WallTimePoint now);

  const size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<TokenDigest, Entry, TokenDigestHash> entries_;
  std::deque<std::pair<TokenDigest, uint64_t>> order_;  // Oldest insertion first.
  uint64_t next_sequence_ = 0;
};

}  // namespace kiln
