// RepMaxCDC (REAPI's REP_MAX_CDC, from buildbarn/go-cdc): a chunk ends where the Gear
// rolling hash is highest among the positions it may end at, looking up to a horizon ahead;
// when that best position would make the chunk 2*min or longer, the search repeats over the
// positions that leave room for a chunk of at least min before it. Every chunk of a blob of
// at least min bytes is therefore in [min, 2*min), and its end depends only on the 64 bytes
// before it and on the hashes around it.
//
// The hash at a position covers the 64 bytes before it (older bytes are shifted out), so
// it is a function of the data alone. Each position is hashed once as the horizon advances;
// what is kept is the highest hash of each 64-position block (and where it is), so that a
// search over a range reads block maxima and rehashes only the partial blocks at its ends.
// Memory is a quarter of a byte per position of the horizon.
#pragma once

#include <cstdint>
#include <vector>

#include "cas/chunking.h"
#include "cas/gear_table.h"

namespace kiln {

class RepMaxCdc final : public ChunkBoundaries {
 public:
  // INVALID_ARGUMENT if min_bytes < 64 (the hash's window).
  static StatusOr<std::unique_ptr<RepMaxCdc>> Create(size_t min_bytes, size_t horizon_bytes);

  size_t window_bytes() const override { return 2 * min_ + horizon_; }
  size_t NextChunk(std::string_view data, bool last) override;

 private:
  RepMaxCdc(size_t min_bytes, size_t horizon_bytes);

  // The highest hash of a block of positions, and the first position that has it.
  struct BlockMaximum {
    uint64_t hash = 0;
    uint64_t position = 0;
  };
  // A position (the length of the chunk were it to end there) and its hash.
  struct Candidate {
    uint64_t hash = 0;
    uint64_t position = 0;
    bool valid = false;
  };

  // Folds the hashes of positions [hashed_end_, through] into the block maxima. `data`
  // holds the stream from offset start_ on.
  void HashThrough(const uint8_t* data, uint64_t through);
  // The first position in [from, to] with the highest hash. REQUIRES: hashed through `to`.
  uint64_t FirstMaximum(const uint8_t* data, uint64_t from, uint64_t to) const;
  // Rehashes positions [from, to) and keeps the best of them in *best.
  void ScanPositions(const uint8_t* data, uint64_t from, uint64_t to, Candidate* best) const;
  // Drops the maxima of blocks that end before `position`, once they are half the list.
  void Forget(uint64_t position);

  size_t min_;
  size_t horizon_;
  const GearTable& gear_;
  uint64_t start_ = 0;  // Stream offset of the next chunk.
  // blocks_[i] covers positions [(first_block_ + i) * 64, (first_block_ + i + 1) * 64),
  // those of them hashed so far.
  uint64_t first_block_ = 0;
  std::vector<BlockMaximum> blocks_;
  uint64_t rolling_ = 0;     // The hash at position hashed_end_ - 1.
  uint64_t hashed_end_ = 0;  // One past the last position hashed; 0 when none is.
};

}  // namespace kiln
