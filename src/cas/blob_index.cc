#include "cas/blob_index.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

namespace kiln {
namespace {

// Every hash kiln serves fits in 64 bytes (SHA-512).
constexpr size_t kMaxHashBytes = 64;

uint8_t HexValue(char c) { return static_cast<uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); }

// The bucket hash of a key. The leading hash bytes are already uniform for real
// digests; size and function are mixed in because they are part of the key.
uint32_t TableHash(const uint8_t* hash_bytes, int64_t size, DigestFunction function) {
  uint64_t x;
  std::memcpy(&x, hash_bytes, sizeof x);
  x ^= static_cast<uint64_t>(size) * 0x9e3779b97f4a7c15ULL ^ static_cast<uint64_t>(function);
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return static_cast<uint32_t>(x);
}

}  // namespace

struct BlobIndex::Key {
  explicit Key(const Digest& digest) : function(digest.function()), size(digest.size()) {
    // Digests are validated lowercase hex; the bound only keeps a bad one from overflowing.
    const std::string& hex = digest.hash();
    length = std::min(hex.size() / 2, kMaxHashBytes);
    for (size_t i = 0; i < length; ++i) {
      bytes[i] = static_cast<uint8_t>(HexValue(hex[2 * i]) << 4 | HexValue(hex[2 * i + 1]));
    }
    hash = TableHash(bytes, size, function);
  }

  DigestFunction function;
  int64_t size;
  size_t length;                          // Bytes of binary hash.
  uint8_t bytes[kMaxHashBytes] = {};      // Zero-padded like Slot::hash.
  uint32_t hash;
};

BlobIndex::BlobIndex(const Clock* clock, Duration grace_period)
    : clock_(clock), grace_period_(grace_period), base_(clock->Now()), table_(16, Bucket{kNone, 0}) {}

bool BlobIndex::Touch(const Digest& digest, bool pin) {
  const size_t bucket = FindBucket(Key(digest));
  if (bucket == kNotFound) return false;
  const uint32_t id = table_[bucket].slot;
  Unlink(id);
  PushFront(id);
  if (pin) slot(id).pinned_until = PinDeadline();
  return true;
}

std::optional<uint64_t> BlobIndex::TouchForRead(const Digest& digest) {
  const size_t bucket = FindBucket(Key(digest));
  if (bucket == kNotFound) return std::nullopt;
  const uint32_t id = table_[bucket].slot;
  Unlink(id);
  PushFront(id);
  return slot(id).verified;
}

bool BlobIndex::SetVerified(const Digest& digest, uint64_t verified_stamp) {
  const size_t bucket = FindBucket(Key(digest));
  if (bucket == kNotFound) return false;
  slot(table_[bucket].slot).verified = verified_stamp;
  return true;
}

std::optional<Digest> BlobIndex::DigestInSlot(uint32_t id) {
  if (id >= slots_used_ || !slot(id).in_use) return std::nullopt;
  return ToDigest(id);
}

void BlobIndex::Insert(const Digest& digest, uint64_t verified_stamp) {
  const Key key(digest);
  if (const size_t bucket = FindBucket(key); bucket != kNotFound) {
    Unlink(table_[bucket].slot);
    PushFront(table_[bucket].slot);
    slot(table_[bucket].slot).verified = verified_stamp;
    return;
  }
  if ((count_ + 1) * 4 > table_.size() * 3) GrowTable();
  const uint32_t id = AllocateSlot();
  Slot& s = slot(id);
  std::memcpy(s.hash, key.bytes, kSlotHashBytes);
  s.size = key.size;
  s.pinned_until = 0;
  s.function = key.function;
  s.in_use = true;
  s.verified = verified_stamp;
  if (key.length > kSlotHashBytes) {
    std::copy_n(key.bytes + kSlotHashBytes, kSlotHashBytes, long_tails_[id].begin());
  }
  PushFront(id);
  PlaceInTable(Bucket{id, key.hash});
  ++count_;
  total_bytes_ += key.size;
}

void BlobIndex::Remove(const Digest& digest) {
  const size_t bucket = FindBucket(Key(digest));
  if (bucket != kNotFound) RemoveSlot(table_[bucket].slot, bucket);
}

std::vector<Digest> BlobIndex::EvictDownTo(int64_t budget_bytes) {
  std::vector<Digest> evicted;
  const TimePoint now = clock_->Now();
  // Each pinned entry met at the tail is moved to the front, so every entry is looked at
  // most once per call.
  size_t pinned_seen = 0;
  while (total_bytes_ > budget_bytes && tail_ != kNone && pinned_seen < count_) {
    const uint32_t victim = tail_;
    if (IsPinned(victim, now)) {
      Unlink(victim);
      PushFront(victim);
      ++pinned_seen;
      continue;
    }
    evicted.push_back(ToDigest(victim));
    RemoveSlot(victim, FindBucketOf(victim));
  }
  return evicted;
}

std::vector<Digest> BlobIndex::OldestUnpinned(size_t min_blobs, int64_t min_bytes, size_t max_blobs) {
  std::vector<Digest> oldest;
  const TimePoint now = clock_->Now();
  int64_t bytes = 0;
  size_t walked = 0;  // Pinned blobs go to the front, where the walk would meet them again.
  for (uint32_t id = tail_; id != kNone && walked < count_ && oldest.size() < max_blobs; ++walked) {
    if (oldest.size() >= min_blobs && bytes >= min_bytes) break;
    const uint32_t newer = slot(id).prev;
    if (IsPinned(id, now)) {
      Unlink(id);
      PushFront(id);
    } else {
      oldest.push_back(ToDigest(id));
      bytes += slot(id).size;
    }
    id = newer;
  }
  return oldest;
}

bool BlobIndex::RemoveIfUnpinned(const Digest& digest) {
  const size_t bucket = FindBucket(Key(digest));
  if (bucket == kNotFound || IsPinned(table_[bucket].slot, clock_->Now())) return false;
  RemoveSlot(table_[bucket].slot, bucket);
  return true;
}

bool BlobIndex::Hold(const Digest& digest, Duration duration) {
  const size_t bucket = FindBucket(Key(digest));
  if (bucket == kNotFound) return false;
  uint32_t& pinned_until = slot(table_[bucket].slot).pinned_until;
  pinned_until = std::max(pinned_until, DeadlineAfter(duration));
  return true;
}

bool BlobIndex::IsPinned(uint32_t id, TimePoint now) const {
  const uint32_t pinned_until = chunks_[id / kChunkSlots][id % kChunkSlots].pinned_until;
  return pinned_until != 0 && base_ + std::chrono::seconds(pinned_until) > now;
}

bool BlobIndex::ShrinkIfSparse() {
  if (slots_used_ < 4 * kChunkSlots || count_ * 2 > slots_used_) return false;
  BlobIndex rebuilt(clock_, grace_period_);
  rebuilt.base_ = base_;  // Pin deadlines are relative to it.
  // Least recently used first: each Insert goes to the front, so the order comes out the same.
  for (uint32_t id = tail_; id != kNone; id = slot(id).prev) {
    rebuilt.Insert(ToDigest(id), slot(id).verified);
    rebuilt.slot(rebuilt.head_).pinned_until = slot(id).pinned_until;
  }
  const uint64_t layout_version = layout_version_ + 1;
  *this = std::move(rebuilt);
  layout_version_ = layout_version;
  return true;
}

bool BlobIndex::Matches(uint32_t id, const Key& key) {
  const Slot& s = slot(id);
  if (s.function != key.function || s.size != key.size ||
      std::memcmp(s.hash, key.bytes, kSlotHashBytes) != 0) {
    return false;
  }
  return key.length <= kSlotHashBytes ||
         std::memcmp(long_tails_.at(id).data(), key.bytes + kSlotHashBytes, kSlotHashBytes) == 0;
}

Digest BlobIndex::ToDigest(uint32_t id) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  const Slot& s = slot(id);
  std::string hex(HashHexLength(s.function), '\0');
  const uint8_t* tail = hex.size() > 2 * kSlotHashBytes ? long_tails_.at(id).data() : nullptr;
  for (size_t i = 0; i < hex.size() / 2; ++i) {
    const uint8_t byte = i < kSlotHashBytes ? s.hash[i] : tail[i - kSlotHashBytes];
    hex[2 * i] = kHexDigits[byte >> 4];
    hex[2 * i + 1] = kHexDigits[byte & 0xf];
  }
  return *Digest::Create(s.function, hex, s.size);
}

uint32_t BlobIndex::SlotHash(uint32_t id) {
  const Slot& s = slot(id);
  return TableHash(s.hash, s.size, s.function);
}

size_t BlobIndex::FindBucket(const Key& key) {
  // The load factor stays below 3/4, so an empty bucket always ends the probe.
  const size_t mask = table_.size() - 1;
  for (size_t i = key.hash & mask;; i = (i + 1) & mask) {
    const Bucket& b = table_[i];
    if (b.slot == kNone) return kNotFound;
    if (b.hash == key.hash && Matches(b.slot, key)) return i;
  }
}

size_t BlobIndex::FindBucketOf(uint32_t id) {
  const size_t mask = table_.size() - 1;
  size_t i = SlotHash(id) & mask;
  while (table_[i].slot != id) i = (i + 1) & mask;
  return i;
}

void BlobIndex::PlaceInTable(Bucket bucket) {
  const size_t mask = table_.size() - 1;
  size_t i = bucket.hash & mask;
  while (table_[i].slot != kNone) i = (i + 1) & mask;
  table_[i] = bucket;
}

// Backward-shift deletion: later buckets of the probe run move up into the hole unless
// that would put them before their home bucket, so no tombstones are needed.
void BlobIndex::EraseBucket(size_t hole) {
  const size_t mask = table_.size() - 1;
  for (size_t i = (hole + 1) & mask; table_[i].slot != kNone; i = (i + 1) & mask) {
    const size_t home = table_[i].hash & mask;
    // Movable iff its home is not cyclically within (hole, i].
    if (((i - home) & mask) >= ((i - hole) & mask)) {
      table_[hole] = table_[i];
      hole = i;
    }
  }
  table_[hole].slot = kNone;
}

void BlobIndex::GrowTable() {
  std::vector<Bucket> old = std::exchange(table_, std::vector<Bucket>(table_.size() * 2, Bucket{kNone, 0}));
  for (const Bucket& b : old) {
    if (b.slot != kNone) PlaceInTable(b);
  }
}

uint32_t BlobIndex::AllocateSlot() {
  if (free_ != kNone) return std::exchange(free_, slot(free_).next);
  // kNone is never handed out; 2^32 - 1 blobs would need 240 GB of slots first.
  if (slots_used_ % kChunkSlots == 0) chunks_.push_back(std::make_unique_for_overwrite<Slot[]>(kChunkSlots));
  return slots_used_++;
}

void BlobIndex::RemoveSlot(uint32_t id, size_t bucket) {
  Slot& s = slot(id);
  Unlink(id);
  if (HashHexLength(s.function) > 2 * kSlotHashBytes) long_tails_.erase(id);
  EraseBucket(bucket);
  total_bytes_ -= s.size;
  --count_;
  s.in_use = false;
  s.next = free_;
  free_ = id;
}

void BlobIndex::Unlink(uint32_t id) {
  const Slot& s = slot(id);
  (s.prev != kNone ? slot(s.prev).next : head_) = s.next;
  (s.next != kNone ? slot(s.next).prev : tail_) = s.prev;
}

void BlobIndex::PushFront(uint32_t id) {
  Slot& s = slot(id);
  s.prev = kNone;
  s.next = head_;
  (head_ != kNone ? slot(head_).prev : tail_) = id;
  head_ = id;
}

// Rounded up to whole seconds after base_: a pin may last up to a second longer, never
// shorter. 0 (unpinned) when the deadline is not after base_, i.e. already passed.
uint32_t BlobIndex::DeadlineAfter(Duration duration) const {
  const Duration after_base = clock_->Now() + duration - base_;
  if (after_base <= Duration::zero()) return 0;
  const int64_t seconds = std::chrono::ceil<std::chrono::seconds>(after_base).count();
  return static_cast<uint32_t>(std::min<int64_t>(seconds, UINT32_MAX));
}

}  // namespace kiln
