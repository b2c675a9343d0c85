// BLAKE3, written from its specification (the BLAKE3 paper, "BLAKE3: one function, fast
// everywhere", 2020): a hash whose input is split into 1 KiB chunks that form the leaves of
// a binary tree, so that many chunks can be compressed at once in SIMD lanes. Incremental
// like common/hasher.h, with the spec's three modes (hash, keyed hash, derive key) and its
// extendable output. Debian ships no BLAKE3 library, hence kiln's own.
//
// Speed comes from SSE4.1 / AVX2 code picked at run time from the CPU's features; the
// portable code computes the same bytes everywhere and is what tests compare against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kiln {

enum class Blake3Simd : uint8_t { kPortable, kSse41, kAvx2 };

// The widest implementation this CPU runs.
Blake3Simd Blake3BestSimd();
// Whether this CPU can run `simd` (kPortable always).
bool Blake3SimdAvailable(Blake3Simd simd);
std::string_view Blake3SimdName(Blake3Simd simd);

// A value type (about 2 KiB, no allocation): copying it forks the hash state.
// Not thread-safe; one hasher per stream.
class Blake3Hasher {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kHashBytes = 32;

  // Plain hashing. REQUIRES: Blake3SimdAvailable(simd).
  explicit Blake3Hasher(Blake3Simd simd = Blake3BestSimd());
  // A MAC / PRF keyed with 32 bytes.
  static Blake3Hasher Keyed(const uint8_t key[kKeyBytes], Blake3Simd simd = Blake3BestSimd());
  // Key derivation: `context` should be a hardcoded, globally unique string; the input
  // given to Update is the key material.
  static Blake3Hasher DeriveKey(std::string_view context, Blake3Simd simd = Blake3BestSimd());

  void Update(std::string_view data);
  void Update(const uint8_t* data, size_t size) {
    Update(std::string_view(reinterpret_cast<const char*>(data), size));
  }
  // Writes the first `size` bytes of the extendable output of everything given to Update
  // (32 bytes is the standard hash; longer outputs start with the same 32 bytes). Leaves the
  // state unchanged, so more input may follow.
  void Finalize(uint8_t* out, size_t size) const;

 private:
  // The chaining value of a chunk or parent node, or, for the last node, what is needed to
  // compress it once more as the root.
  struct Node {
    uint32_t cv[8];
    uint8_t block[64];
    uint8_t block_len;
    uint64_t counter;
    uint8_t flags;

    void ChainingValue(uint8_t out[32]) const;
  };

  Blake3Hasher(const uint32_t key[8], uint8_t flags, Blake3Simd simd);

  void UpdateChunk(std::string_view data);  // Within the current chunk only.
  Node ChunkNode() const;
  Node ParentNode(const uint8_t left[32], const uint8_t right[32]) const;
  // Hashes 2^k whole chunks starting at chunk number chunks_done_ into `tops` (1, or 2 for
  // the two halves) chaining values, written to out side by side.
  void HashSubtree(const uint8_t* input, size_t chunks, size_t tops, uint8_t* out) const;
  void MergeStack(uint64_t chunks);

  uint32_t key_[8];
  uint8_t flags_;
  Blake3Simd simd_;

  // The current chunk: chaining value so far, and its last block, kept back because the
  // final block of a chunk is compressed with different flags (and maybe as the root).
  uint32_t chunk_cv_[8];
  uint8_t chunk_block_[64];
  uint8_t chunk_block_len_ = 0;
  uint8_t chunk_blocks_done_ = 0;
  uint64_t chunks_done_ = 0;  // Chunks before the current one, all in the stack.

  // Chaining values of complete subtrees, left to right, merged only once input is known to
  // follow them: whichever node is last must be compressed as the root, with its own flag.
  // Inputs below 2^64 bytes have under 2^54 chunks: at most 54 merged entries plus one.
  uint8_t stack_[55][32];
  size_t stack_size_ = 0;
};

}  // namespace kiln
