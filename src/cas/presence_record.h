// What a frontend remembers of the storage nodes' "present" answers, so that FindMissing of
// blobs it asked about lately needs no node call: on a farm most FindMissing calls ask about
// blobs already uploaded, and asking a node costs both processes far more than a lookup here.
//
// Why answering from the record keeps the grace-period guarantee: a node that answers
// "present" pins the blob for its grace period G from the moment it answers, which is after
// the moment the frontend asked (`asked_at`, recorded here). The record vouches for the blob
// only until asked_at + ttl, so an answer given from it at time t < asked_at + ttl still
// has the blob pinned until asked_at + G > t + (G - ttl): clients are promised G - ttl
// instead of G (kiln serve --ring-presence-ttl, small against the grace period).
// A node that dies loses its pins with its copies. The other owners still hold the blob by
// the write rule (acknowledged only once R nodes had it), but none of them pinned it, and a
// node evicts for space whatever is not pinned; so once any call to a node fails
// (ReplicaNodes::failures), every entry that node vouched for stops counting and the next
// FindMissing asks the nodes again. The record is per frontend: a blob deleted through
// another frontend (kiln admin) may be reported present here until its entry expires.
//
// Bounded: at most `max_entries` digests (in two generations per shard: when a shard's
// current generation is full it becomes the previous one and the one before is dropped, so
// the digests asked about least recently go first). Only hashes up to 64 hex digits are kept
// (SHA-256, BLAKE3, SHA-1, MD5); longer ones are always asked about. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "common/clock.h"
#include "common/digest.h"

namespace kiln {

struct PresenceRecordOptions {
  Duration ttl = std::chrono::seconds(30);  // Zero: record nothing.
  size_t max_entries = 1 << 18;             // About 20 MiB.
};

class PresenceRecord {
 public:
  // `node_failures(node)`: how many calls to that node have failed so far (never decreasing).
  PresenceRecord(PresenceRecordOptions options, std::function<uint32_t(size_t)> node_failures);
  ~PresenceRecord();

  // Whether a node answered that it has the blob, asked at or after now - ttl, and no call
  // to that node has failed since.
  bool Present(const Digest& digest, TimePoint now) const;
  // `node` answered "present" to a question asked at `asked_at`, when node_failures(node)
  // was `failures` (read before asking).
  void Record(const Digest& digest, size_t node, TimePoint asked_at, uint32_t failures);
  // After a delete: not present any more, whatever a node said.
  void Forget(const Digest& digest);

  size_t size() const;

 private:
  // The hash as it came, in hex: copied, not parsed, since a lookup is mostly this.
  struct Key {
    std::array<char, 64> hex{};  // Zero-padded.
    int64_t size = 0;
    uint8_t function = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  struct Sighting {
    TimePoint expires;
    uint32_t node;
    uint32_t failures;
  };
  struct Shard;

  // False for hashes too long to keep.
  static bool KeyOf(const Digest& digest, Key& key);
  Shard& ShardOf(const Key& key) const;

  const PresenceRecordOptions options_;
  const std::function<uint32_t(size_t)> node_failures_;
  const size_t generation_entries_;  // Per shard and generation.
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace kiln
