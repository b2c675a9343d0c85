#include "cas/presence_record.h"

#include <cstring>

namespace kiln {
namespace {

// Enough that the frontend's FindMissing threads rarely wait for one another.
constexpr size_t kShards = 16;

}  // namespace

struct PresenceRecord::Shard {
  mutable std::mutex mutex;
  std::unordered_map<Key, Sighting, KeyHash> current, previous;  // Guarded by mutex.
};

PresenceRecord::PresenceRecord(PresenceRecordOptions options, std::function<uint32_t(size_t)> node_failures)
    : options_(options),
      node_failures_(std::move(node_failures)),
      generation_entries_(std::max<size_t>(1, options.max_entries / (2 * kShards))),
      shards_(new Shard[kShards]) {}

PresenceRecord::~PresenceRecord() = default;

namespace {

// Hex digits 8*i to 8*i+7 of the hash (each carries 4 bits of a uniformly distributed hash).
uint64_t Word(const std::array<char, 64>& hex, size_t i) {
  uint64_t word;
  std::memcpy(&word, hex.data() + 8 * i, sizeof(word));
  return word;
}

}  // namespace

size_t PresenceRecord::KeyHash::operator()(const Key& key) const {
  return (Word(key.hex, 0) * 0x9e3779b97f4a7c15ULL) ^ Word(key.hex, 1) ^ static_cast<size_t>(key.size);
}

bool PresenceRecord::KeyOf(const Digest& digest, Key& key) {
  const std::string& hex = digest.hash();
  if (hex.size() > key.hex.size()) return false;
  std::memcpy(key.hex.data(), hex.data(), hex.size());
  key.size = digest.size();
  key.function = static_cast<uint8_t>(digest.function());
  return true;
}

PresenceRecord::Shard& PresenceRecord::ShardOf(const Key& key) const {
  // Other digits than the bucket's pick the shard.
  return shards_[((Word(key.hex, 2) * 0x9e3779b97f4a7c15ULL) >> 60) % kShards];
}

bool PresenceRecord::Present(const Digest& digest, TimePoint now) const {
  if (options_.ttl <= Duration::zero()) return false;
  Key key;
  if (!KeyOf(digest, key)) return false;
  Sighting sighting;
  {
    Shard& shard = ShardOf(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.current.find(key);
    if (it == shard.current.end()) {
      it = shard.previous.find(key);
      if (it == shard.previous.end()) return false;
    }
    sighting = it->second;
  }
  return now < sighting.expires && node_failures_(sighting.node) == sighting.failures;
}

void PresenceRecord::Record(const Digest& digest, size_t node, TimePoint asked_at, uint32_t failures) {
  if (options_.ttl <= Duration::zero()) return;
  Key key;
  if (!KeyOf(digest, key)) return;
  const Sighting sighting{asked_at + options_.ttl, static_cast<uint32_t>(node), failures};
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.current.find(key);
  if (it != shard.current.end()) {
    it->second = sighting;
    return;
  }
  if (shard.current.size() >= generation_entries_) {
    shard.previous = std::move(shard.current);
    shard.current = {};
  }
  shard.previous.erase(key);
  shard.current.emplace(key, sighting);
}

void PresenceRecord::Forget(const Digest& digest) {
  Key key;
  if (!KeyOf(digest, key)) return;
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mutex);
  shard.current.erase(key);
  shard.previous.erase(key);
}

size_t PresenceRecord::size() const {
  size_t total = 0;
  for (size_t s = 0; s < kShards; ++s) {
    std::lock_guard lock(shards_[s].mutex);
    total += shards_[s].current.size() + shards_[s].previous.size();
  }
  return total;
}

}  // namespace kiln
