// In-memory index of the blobs a store holds, in least-recently-used order, so that
// FindMissingBlobs never touches the disk and eviction knows what to drop first.
//
// A lookup with pin=true (what FindMissingBlobs does) protects the blob from eviction for
// the grace period: a client told "present" can rely on it while it builds the action that
// references it. Not thread-safe; the owning store serialises access.
//
// Each blob also carries a verification stamp (see file_identity.h): the identity its file
// had when its bytes were last found to match the digest, 0 if never, so that reads can
// skip re-hashing a file nothing has touched since.
//
// Memory: a disk CAS holds millions of blobs, so the index is kept compact, about 83 bytes
// per blob at a million (75 measured with mallinfo2, mmapped blocks included, before the
// 8-byte stamp was added):
//   - a 64-byte slot per blob (binary hash, size, LRU links, pin deadline, stamp), allocated in
//     fixed-size chunks so growth never copies the slab and the slack is at most a chunk;
//   - 8 bytes per hash-table bucket (slot id + 32 bits of the key's hash) at a load of
//     3/8..3/4, so 11-21 bytes per blob.
// SHA-384/SHA-512 hashes do not fit a slot; their last 32 bytes live in a side map
// (about 90 more bytes for each such blob). Freed slots and buckets are reused, not
// returned to the allocator.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "cas/blob_listing.h"
#include "common/clock.h"
#include "common/digest.h"

namespace kiln {

class BlobIndex {
 public:
  BlobIndex(const Clock* clock, Duration grace_period);

  // All digests passed in must be valid (made by Digest::Create or Digest::Empty).

  // True if the blob (hash and size) is indexed; it becomes the most recently used.
  // With pin, it also may not be evicted until now + grace period.
  bool Touch(const Digest& digest, bool pin);
  // Like Touch(digest, false), but returns the blob's verification stamp (0: unverified),
  // or nullopt if it is not indexed.
  std::optional<uint64_t> TouchForRead(const Digest& digest);
  // Adds a blob as most recently used (or refreshes it if present) with the given
  // verification stamp.
  void Insert(const Digest& digest, uint64_t verified_stamp = 0);
  // Sets the stamp of an indexed blob (0 forgets that it was verified); false if absent.
  bool SetVerified(const Digest& digest, uint64_t verified_stamp);
  // The blob in slot `id` (any id below slot_capacity()), nullopt for a free slot. Lets a
  // scrubber walk every blob in turn without holding the lock for the whole walk.
  std::optional<Digest> DigestInSlot(uint32_t id);
  void Remove(const Digest& digest);
  // Removes least recently used, unpinned blobs until the total is at most `budget_bytes`
  // and returns them, so the caller can delete their data. Stops early (over budget) when
  // everything left is pinned.
  std::vector<Digest> EvictDownTo(int64_t budget_bytes);

  // For eviction that asks the ring first (DiskBlobStore::SetReplicaPresence):
  // The least recently used unpinned blobs, oldest first, without removing them: at least
  // `min_blobs` and `min_bytes` (when there are that many), at most `max_blobs`. Pinned
  // blobs met on the way are moved to the front, as EvictDownTo does.
  std::vector<Digest> OldestUnpinned(size_t min_blobs, int64_t min_bytes, size_t max_blobs);
  // Removes the blob if it is indexed and not pinned; returns whether it did.
  bool RemoveIfUnpinned(const Digest& digest);
  // Protects an indexed blob from eviction for `duration` (a pin already longer stays),
  // without moving it in the LRU order; false if it is not indexed.
  bool Hold(const Digest& digest, Duration duration);

  // Freed slots are kept for reuse, so the index stays as large as the most blobs it ever
  // held. When at most half of that is in use (after a mass eviction), rebuilds it at its
  // present size, keeping the LRU order and pins; returns whether it did. O(blobs): 76 ms
  // for 400,000 blobs (BM_BlobIndexShrinkAfterEviction), at most once per halving.
  bool ShrinkIfSparse();

  // One page of a listing in ListingLess order (cas/blob_listing.h), gathered a range of
  // slots at a time so that the owner may let go of its lock between ranges. It holds only
  // the `limit` first blobs seen so far (about 80 bytes each), whatever the index's size;
  // a page costs a pass over every slot (about 5 ms a million).
  class ListingScan {
   public:
    ListingScan(const std::optional<Digest>& after, size_t limit);
    ~ListingScan();
    ListingScan(ListingScan&&) noexcept;
    ListingScan& operator=(ListingScan&&) noexcept;
    // The page: digests sorted, and whether any was left out for being past the limit.
    BlobListPage Finish();

   private:
    friend class BlobIndex;
    struct State;
    std::unique_ptr<State> state_;
  };
  // Adds the blobs of slots [begin, begin + count) to `scan`; returns the slot after them
  // (at least slot_capacity() once the whole index has been scanned).
  uint32_t ScanForListing(ListingScan& scan, uint32_t begin, uint32_t count);
  // Changes whenever slots are renumbered (ShrinkIfSparse): a scan spanning a change must
  // start again, or it could miss a blob moved to a slot it had passed.
  uint64_t layout_version() const { return layout_version_; }

  int64_t total_bytes() const { return total_bytes_; }
  size_t blob_count() const { return count_; }
  // Slots allocated: the most blobs held at once since the last shrink.
  size_t slot_capacity() const { return slots_used_; }

 private:
  struct Key;  // A digest in binary form with its table hash; see blob_index.cc.

  static constexpr size_t kSlotHashBytes = 32;  // All of SHA-256, the common case.

  struct Slot {
    uint8_t hash[kSlotHashBytes];  // Leading bytes of the binary hash, zero-padded.
    int64_t size;
    uint32_t prev;          // Towards the most recently used; kNone at the head.
    uint32_t next;          // Towards the least recently used; also links the free list.
    uint32_t pinned_until;  // Seconds after base_, rounded up; 0 when never pinned.
    DigestFunction function;
    bool in_use;            // False on the free list.
    uint64_t verified;      // Verification stamp; 0 when not verified.
  };
  struct Bucket {
    uint32_t slot;  // kNone when empty.
    uint32_t hash;  // Key::hash, so probing and rehashing rarely need to read slots.
  };

  Slot& slot(uint32_t id) { return chunks_[id / kChunkSlots][id % kChunkSlots]; }
  bool Matches(uint32_t id, const Key& key);
  Digest ToDigest(uint32_t id);
  uint32_t SlotHash(uint32_t id);
  size_t FindBucket(const Key& key);
  size_t FindBucketOf(uint32_t id);
  void PlaceInTable(Bucket bucket);
  void EraseBucket(size_t index);
  void GrowTable();
  uint32_t AllocateSlot();
  void RemoveSlot(uint32_t id, size_t bucket);
  void Unlink(uint32_t id);
  void PushFront(uint32_t id);
  uint32_t PinDeadline() const { return DeadlineAfter(grace_period_); }
  uint32_t DeadlineAfter(Duration duration) const;
  bool IsPinned(uint32_t id, TimePoint now) const;

  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr size_t kChunkSlots = 4096;  // 256 KiB per chunk.
  static constexpr size_t kNotFound = SIZE_MAX;

  const Clock* clock_;
  Duration grace_period_;
  TimePoint base_;  // Pin deadlines are stored as seconds after this.
  std::vector<std::unique_ptr<Slot[]>> chunks_;
  uint32_t slots_used_ = 0;  // Slot ids below this have been handed out at least once.
  uint32_t free_ = kNone;    // Head of the free-slot list.
  std::vector<Bucket> table_;  // Open addressing, linear probing, power-of-two size.
  // Bytes 32..63 of SHA-384/SHA-512 hashes, by slot id.
  std::unordered_map<uint32_t, std::array<uint8_t, kSlotHashBytes>> long_tails_;
  uint32_t head_ = kNone;  // Most recently used.
  uint32_t tail_ = kNone;  // Least recently used.
  size_t count_ = 0;
  int64_t total_bytes_ = 0;
  uint64_t layout_version_ = 0;
};

}  // namespace kiln
