#include "cas/rep_max_cdc.h"

#include <algorithm>

namespace kiln {
namespace {

// The Gear hash's window: a 64-bit hash shifted left once per byte forgets a byte after 64.
constexpr uint64_t kHashWindow = 64;
constexpr uint64_t kBlock = 64;

}  // namespace

StatusOr<std::unique_ptr<RepMaxCdc>> RepMaxCdc::Create(size_t min_bytes, size_t horizon_bytes) {
  if (min_bytes < kHashWindow) {
    return Status::InvalidArgument("RepMaxCDC minimum chunk size " + std::to_string(min_bytes) +
                                   " is below the hash window of 64 bytes");
  }
  return std::unique_ptr<RepMaxCdc>(new RepMaxCdc(min_bytes, horizon_bytes));
}

RepMaxCdc::RepMaxCdc(size_t min_bytes, size_t horizon_bytes)
    : min_(min_bytes), horizon_(horizon_bytes), gear_(StandardGearTable()) {}

size_t RepMaxCdc::NextChunk(std::string_view data, bool last) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  const size_t available = std::min(data.size(), window_bytes());
  size_t length = available;
  // Less than two minimum chunks left: all of it is one chunk, so none is ever short but a
  // blob's only one.
  if (available >= 2 * min_) {
    const uint64_t first = start_ + min_;
    // The last min bytes of what is in view stay out of reach, so the chunk after this
    // one can be at least min long.
    uint64_t limit = start_ + available - min_;
    HashThrough(bytes, limit);
    for (;;) {
      const uint64_t best = FirstMaximum(bytes, first, limit);
      if (best - start_ < 2 * min_) {
        length = best - start_;
        break;
      }
      // Too long a chunk: search again among the positions that leave min bytes before
      // `best`, so that a later chunk can still end there.
      limit = best - min_;
    }
  }
  start_ += length;
  Forget(start_ + min_);
  return length;
}

void RepMaxCdc::HashThrough(const uint8_t* data, uint64_t through) {
  const uint64_t first = start_ + min_;
  if (hashed_end_ <= first) {
    // Nothing hashed that the search can use: start over from the window before `first`.
    blocks_.clear();
    first_block_ = first / kBlock;
    rolling_ = 0;
    for (uint64_t offset = first - kHashWindow; offset < first - 1; ++offset) {
      rolling_ = (rolling_ << 1) + gear_[data[offset - start_]];
    }
    hashed_end_ = first;
  }
  uint64_t hash = rolling_;
  uint64_t position = hashed_end_;
  while (position <= through) {
    const uint64_t block = position / kBlock;
    const uint64_t block_end = std::min(through + 1, (block + 1) * kBlock);
    const uint8_t* next = data + (position - 1 - start_);
    if (blocks_.empty() || block != first_block_ + blocks_.size() - 1) {
      hash = (hash << 1) + gear_[*next++];
      blocks_.push_back({hash, position++});
    }
    BlockMaximum best = blocks_.back();
    // Two positions per step, so that only one shift and one add per pair are on the
    // loop-carried path; the first position's hash branches off it.
    for (; position + 1 < block_end; position += 2, next += 2) {
      const uint64_t first_gear = gear_[next[0]];
      const uint64_t after_first = (hash << 1) + first_gear;
      hash = (hash << 2) + ((first_gear << 1) + gear_[next[1]]);
      if (after_first > best.hash) best = {after_first, position};
      if (hash > best.hash) best = {hash, position + 1};
    }
    if (position < block_end) {
      hash = (hash << 1) + gear_[*next];
      if (hash > best.hash) best = {hash, position};
      ++position;
    }
    blocks_.back() = best;
  }
  rolling_ = hash;
  hashed_end_ = std::max(hashed_end_, through + 1);
}

void RepMaxCdc::ScanPositions(const uint8_t* data, uint64_t from, uint64_t to, Candidate* best) const {
  if (from >= to) return;
  uint64_t hash = 0;
  for (uint64_t offset = from - kHashWindow; offset < from; ++offset) hash = (hash << 1) + gear_[data[offset - start_]];
  for (uint64_t position = from;; ++position) {
    if (!best->valid || hash > best->hash) *best = {hash, position, true};
    if (position + 1 == to) break;
    hash = (hash << 1) + gear_[data[position - start_]];
  }
}

uint64_t RepMaxCdc::FirstMaximum(const uint8_t* data, uint64_t from, uint64_t to) const {
  // In position order, keeping the first of equal hashes: the partial block at `from`
  // rehashed, the whole blocks by their maxima, the partial block at `to` rehashed.
  Candidate best;
  const uint64_t head_end = std::min(to + 1, (from / kBlock + 1) * kBlock);
  ScanPositions(data, from, head_end, &best);
  uint64_t position = head_end;
  for (; position + kBlock <= to + 1; position += kBlock) {
    const BlockMaximum& block = blocks_[position / kBlock - first_block_];
    if (block.hash > best.hash) best = {block.hash, block.position, true};
  }
  ScanPositions(data, position, to + 1, &best);
  return best.position;
}

void RepMaxCdc::Forget(uint64_t position) {
  if (hashed_end_ <= position) {
    blocks_.clear();
    hashed_end_ = 0;
    return;
  }
  const uint64_t stale = std::min<uint64_t>(position / kBlock - first_block_, blocks_.size());
  if (stale * 2 < blocks_.size() || stale == 0) return;
  blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<ptrdiff_t>(stale));
  first_block_ += stale;
}

}  // namespace kiln
