// The inside of the BLAKE3 hasher (common/blake3.h): the spec's constants, its compression
// function, and "hash many": the same chain of compressions run over several equally long
// inputs at once, which is where SIMD pays. blake3.cc builds the tree out of these; the
// SIMD files (blake3_sse41.cc, blake3_avx2.cc, compiled for their instruction sets) provide
// wider versions of HashMany. Nothing outside the BLAKE3 files should include this header.
//
// Deliberately no inline functions here: the SIMD files include it while compiled with
// -msse4.1 / -mavx2, and an inline function emitted there could be the copy the linker keeps
// for the whole program, putting AVX2 instructions on paths that run on any CPU.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace kiln::blake3 {

inline constexpr size_t kBlockBytes = 64;
inline constexpr size_t kChunkBytes = 1024;  // 16 blocks: the leaves of the tree.
inline constexpr size_t kKeyBytes = 32;
inline constexpr size_t kCvBytes = 32;  // A chaining value: 8 words.

// Domain separation flags, OR-ed into the last word of the compression state.
enum Flag : uint8_t {
  kChunkStart = 1 << 0,
  kChunkEnd = 1 << 1,
  kParent = 1 << 2,
  kRoot = 1 << 3,
  kKeyedHash = 1 << 4,
  kDeriveKeyContext = 1 << 5,
  kDeriveKeyMaterial = 1 << 6,
};

// The same initial words as SHA-256's.
inline constexpr uint32_t kIv[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                                    0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};

inline constexpr size_t kRounds = 7;

// Which message word each of a round's 16 G inputs reads. The spec permutes the message
// words between rounds; reading through this table instead leaves the words in place, so
// the SIMD code never shuffles message registers.
inline constexpr std::array<std::array<uint8_t, 16>, kRounds> kSchedule = [] {
  constexpr uint8_t kPermutation[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};
  std::array<std::array<uint8_t, 16>, kRounds> schedule{};
  for (uint8_t i = 0; i < 16; ++i) schedule[0][i] = i;
  for (size_t round = 1; round < kRounds; ++round) {
    for (size_t i = 0; i < 16; ++i) schedule[round][i] = schedule[round - 1][kPermutation[i]];
  }
  return schedule;
}();

// One compression: `cv` and one block (zero-padded beyond block_len) in, all 16 state words
// out. The first 8 are the next chaining value; all 16 are a root's extended output.
void Compress(const uint32_t cv[8], const uint8_t block[kBlockBytes], uint8_t block_len, uint64_t counter,
              uint8_t flags, uint32_t out[16]);

// `count` inputs of `blocks` whole blocks each, every one compressed as a chain from `key`:
// the chunks of a subtree (16 blocks, counter = chunk index) or a level of parent nodes
// (1 block: two child chaining values side by side, counter 0).
struct ManyJob {
  const uint8_t* const* inputs;
  size_t count;
  size_t blocks;
  const uint32_t* key;  // 8 words.
  uint64_t counter;     // Input i uses counter + i when increment_counter, else counter.
  bool increment_counter;
  uint8_t flags;             // On every block.
  uint8_t first_block_flags; // Added on each input's first block.
  uint8_t last_block_flags;  // Added on each input's last block.
};

// Each writes input i's final chaining value (32 bytes, little-endian words) to
// out + 32 * i. Every input is read before out is written only within one group of lanes,
// so out must not overlap the inputs.
void HashManyPortable(const ManyJob& job, uint8_t* out);
// REQUIRES: the CPU has SSE4.1 (resp. AVX2). Inputs beyond a multiple of the lane count
// go to the next narrower implementation.
void HashManySse41(const ManyJob& job, uint8_t* out);
void HashManyAvx2(const ManyJob& job, uint8_t* out);

}  // namespace kiln::blake3
