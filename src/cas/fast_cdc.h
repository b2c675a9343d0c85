// FastCDC as published in 2020 (Xia et al., "The Design of Fast Content-Defined Chunking
// for Data Deduplication Based Storage Systems"): a Gear rolling hash compared against a
// harder mask before the average size and an easier one after it (normalized chunking),
// no hashing below the minimum size, and two bytes per loop step. Boundaries match REAPI's
// FAST_CDC_2020 test vectors (and the Rust and Go implementations upstream names) byte
// for byte, including where those implementations cut: before the byte whose hash matched.
#pragma once

#include <cstdint>

#include "cas/chunking.h"
#include "cas/gear_table.h"

namespace kiln {

struct FastCdcParams {
  size_t min_bytes = 0;
  size_t avg_bytes = 0;
  size_t max_bytes = 0;
  // XORed into every Gear entry: a cache can keep its boundaries (and so the sizes that
  // give away content) to itself.
  uint64_t seed = 0;
  // 0 to 3; REAPI requires 2.
  int normalization = 2;

  // REAPI's derivation from the advertised average: min = avg/4, max = avg*4.
  static FastCdcParams ForAverage(size_t avg_bytes, uint64_t seed);
};

// Where a chunk ends, and the rolling hash there (reported by the test vectors).
struct FastCdcCut {
  size_t length = 0;
  uint64_t fingerprint = 0;
};

class FastCdc2020 final : public ChunkBoundaries {
 public:
  // INVALID_ARGUMENT for sizes out of order, under 64 bytes, or beyond the mask table.
  static StatusOr<std::unique_ptr<FastCdc2020>> Create(const FastCdcParams& params);

  // The first chunk of `data`, given that `data` is all that remains or at least max_bytes.
  FastCdcCut Cut(const uint8_t* data, size_t size) const;

  size_t window_bytes() const override { return max_; }
  size_t NextChunk(std::string_view data, bool last) override {
    return Cut(reinterpret_cast<const uint8_t*>(data.data()), data.size()).length;
  }

 private:
  FastCdc2020(const FastCdcParams& params, uint64_t small_mask, uint64_t large_mask);

  size_t min_;
  size_t avg_;
  size_t max_;
  // The "small" mask has more bits set: cuts before the average size are rarer.
  uint64_t small_mask_;
  uint64_t large_mask_;
  GearTable gear_;
  // gear_ shifted left by one, for the first byte of each two-byte step.
  GearTable gear_shifted_;
};

}  // namespace kiln
