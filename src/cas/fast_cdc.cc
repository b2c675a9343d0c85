#include "cas/fast_cdc.h"

#include <cmath>

namespace kiln {
namespace {

// Cut masks by log2 of the chunk size they aim at, as in the FastCDC authors' C code (with
// the larger sizes that the Rust and Go implementations added). Their bits are spread over
// the hash's upper half, which the paper found to deduplicate slightly better than a run of
// low bits. Entries below 2^5 are never selected.
constexpr uint64_t kMasks[26] = {
    0,
    0,
    0,
    0,
    0,
    0x0000000001804110,  // 2^5, reached only as 64 B minus normalization
    0x0000000001803110,  // 64 B
    0x0000000018035100,
    0x0000001800035300,
    0x0000019000353000,
    0x0000590003530000,  // 1 KiB
    0x0000d90003530000,
    0x0000d90103530000,
    0x0000d90303530000,
    0x0000d90313530000,
    0x0000d90f03530000,
    0x0000d90303537000,  // 64 KiB
    0x0000d90703537000,
    0x0000d90707537000,
    0x0000d91707537000,
    0x0000d91747537000,  // 1 MiB
    0x0000d91767537000,
    0x0000d93767537000,
    0x0000d93777537000,
    0x0000d93777577000,  // 16 MiB
    0x0000db3777577000,
};

constexpr size_t kMinChunkBytes = 64;

}  // namespace

FastCdcParams FastCdcParams::ForAverage(size_t avg_bytes, uint64_t seed) {
  FastCdcParams params;
  params.min_bytes = avg_bytes / 4;
  params.avg_bytes = avg_bytes;
  params.max_bytes = avg_bytes * 4;
  params.seed = seed;
  return params;
}

StatusOr<std::unique_ptr<FastCdc2020>> FastCdc2020::Create(const FastCdcParams& params) {
  if (params.min_bytes < kMinChunkBytes || params.min_bytes > params.avg_bytes || params.avg_bytes > params.max_bytes) {
    return Status::InvalidArgument("FastCDC sizes must satisfy 64 <= min <= avg <= max (min " +
                                   std::to_string(params.min_bytes) + ", avg " + std::to_string(params.avg_bytes) +
                                   ", max " + std::to_string(params.max_bytes) + ")");
  }
  if (params.normalization < 0 || params.normalization > 3) {
    return Status::InvalidArgument("FastCDC normalization must be 0 to 3");
  }
  // The nearest power of two picks the masks, so that an average that is not one still
  // gets the masks closest to it.
  const int bits = static_cast<int>(std::lround(std::log2(static_cast<double>(params.avg_bytes))));
  const int small = bits + params.normalization, large = bits - params.normalization;
  if (small > 25 || large < 5) {
    return Status::InvalidArgument("FastCDC average " + std::to_string(params.avg_bytes) +
                                   " with normalization " + std::to_string(params.normalization) +
                                   " is beyond the mask table");
  }
  return std::unique_ptr<FastCdc2020>(new FastCdc2020(params, kMasks[small], kMasks[large]));
}

FastCdc2020::FastCdc2020(const FastCdcParams& params, uint64_t small_mask, uint64_t large_mask)
    : min_(params.min_bytes), avg_(params.avg_bytes), max_(params.max_bytes), small_mask_(small_mask),
      large_mask_(large_mask) {
  const GearTable& standard = StandardGearTable();
  for (size_t i = 0; i < gear_.size(); ++i) {
    gear_[i] = standard[i] ^ params.seed;
    gear_shifted_[i] = gear_[i] << 1;
  }
}

namespace {

// Rolls the hash over [*position, end) two bytes at a time; true at the first position
// whose hash has no bit of `mask` set, with *position and *hash there. The hash is kept
// shifted left by one after the first byte of a pair, so both bytes use one shift.
inline bool ScanForCut(const uint8_t* data, size_t* position, size_t end, uint64_t mask, const GearTable& gear,
                       const GearTable& gear_shifted, uint64_t* hash) {
  const uint64_t mask_shifted = mask << 1;
  uint64_t h = *hash;
  for (size_t i = *position; i < end; i += 2) {
    const uint64_t first = gear_shifted[data[i]];
    const uint64_t second = gear[data[i + 1]];
    const uint64_t base = h << 2;
    // The next hash does not wait for the first byte's test: only shift and add are on the
    // loop-carried path.
    const uint64_t after_first = base + first;
    h = base + (first + second);
    if ((after_first & mask_shifted) == 0) {
      *position = i;
      *hash = after_first;
      return true;
    }
    if ((h & mask) == 0) {
      *position = i + 1;
      *hash = h;
      return true;
    }
  }
  *position = end;
  *hash = h;
  return false;
}

}  // namespace

FastCdcCut FastCdc2020::Cut(const uint8_t* data, size_t size) const {
  if (size <= min_) return {size, 0};
  const size_t end = size < max_ ? size : max_;
  const size_t normal = end < avg_ ? end : avg_;
  // Two bytes per step: every bound is rounded down to an even offset.
  size_t position = min_ & ~size_t{1};
  uint64_t hash = 0;
  if (ScanForCut(data, &position, normal & ~size_t{1}, small_mask_, gear_, gear_shifted_, &hash) ||
      ScanForCut(data, &position, end & ~size_t{1}, large_mask_, gear_, gear_shifted_, &hash)) {
    return {position, hash};
  }
  return {end, hash};
}

}  // namespace kiln
