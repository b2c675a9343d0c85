#include "common/blake3.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>

#include "common/blake3_compress.h"

namespace kiln {

using namespace blake3;  // NOLINT: this file is the BLAKE3 implementation.

namespace {

using HashManyFn = void (*)(const ManyJob&, uint8_t*);

HashManyFn HashManyFor(Blake3Simd simd) {
  switch (simd) {
#if defined(__x86_64__)
    case Blake3Simd::kAvx2: return &HashManyAvx2;
    case Blake3Simd::kSse41: return &HashManySse41;
#endif
    default: return &HashManyPortable;
  }
}

void WordsToBytes(const uint32_t* words, size_t count, uint8_t* out) {
  for (size_t i = 0; i < count; ++i) {
    for (size_t b = 0; b < 4; ++b) out[4 * i + b] = static_cast<uint8_t>(words[i] >> (8 * b));
  }
}

void BytesToWords(const uint8_t* bytes, size_t count, uint32_t* out) {
  for (size_t i = 0; i < count; ++i) {
    out[i] = uint32_t{bytes[4 * i]} | uint32_t{bytes[4 * i + 1]} << 8 | uint32_t{bytes[4 * i + 2]} << 16 |
             uint32_t{bytes[4 * i + 3]} << 24;
  }
}

// The largest subtree hashed in one go: 64 chunks keep its chaining values (2 x 2 KiB) on
// the stack, and are enough to keep every SIMD lane busy on all but the top levels.
constexpr size_t kMaxSubtreeChunks = 64;

}  // namespace

Blake3Simd Blake3BestSimd() {
#if defined(__x86_64__)
  static const Blake3Simd best = [] {
    if (__builtin_cpu_supports("avx2")) return Blake3Simd::kAvx2;
    if (__builtin_cpu_supports("sse4.1")) return Blake3Simd::kSse41;
    return Blake3Simd::kPortable;
  }();
  return best;
#else
  return Blake3Simd::kPortable;
#endif
}

bool Blake3SimdAvailable(Blake3Simd simd) { return simd <= Blake3BestSimd(); }

std::string_view Blake3SimdName(Blake3Simd simd) {
  switch (simd) {
    case Blake3Simd::kPortable: return "portable";
    case Blake3Simd::kSse41: return "sse4.1";
    case Blake3Simd::kAvx2: return "avx2";
  }
  return "unknown";
}

void Blake3Hasher::Node::ChainingValue(uint8_t out[32]) const {
  uint32_t state[16];
  Compress(cv, block, block_len, counter, flags, state);
  WordsToBytes(state, 8, out);
}

Blake3Hasher::Blake3Hasher(const uint32_t key[8], uint8_t flags, Blake3Simd simd) : flags_(flags), simd_(simd) {
  // Running AVX2 code on a CPU without it would die of SIGILL somewhere far from the cause.
  if (!Blake3SimdAvailable(simd)) std::abort();
  std::memcpy(key_, key, sizeof(key_));
  std::memcpy(chunk_cv_, key, sizeof(chunk_cv_));
  std::memset(chunk_block_, 0, sizeof(chunk_block_));
}

Blake3Hasher::Blake3Hasher(Blake3Simd simd) : Blake3Hasher(kIv, 0, simd) {}

Blake3Hasher Blake3Hasher::Keyed(const uint8_t key[kKeyBytes], Blake3Simd simd) {
  uint32_t words[8];
  BytesToWords(key, 8, words);
  return Blake3Hasher(words, kKeyedHash, simd);
}

Blake3Hasher Blake3Hasher::DeriveKey(std::string_view context, Blake3Simd simd) {
  Blake3Hasher context_hasher(kIv, kDeriveKeyContext, simd);
  context_hasher.Update(context);
  uint8_t context_key[kKeyBytes];
  context_hasher.Finalize(context_key, sizeof(context_key));
  uint32_t words[8];
  BytesToWords(context_key, 8, words);
  return Blake3Hasher(words, kDeriveKeyMaterial, simd);
}

void Blake3Hasher::UpdateChunk(std::string_view data) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  size_t left = data.size();
  while (left > 0) {
    if (chunk_block_len_ == kBlockBytes) {
      // More input follows, so this block is not the chunk's last.
      uint32_t state[16];
      const uint8_t start = chunk_blocks_done_ == 0 ? kChunkStart : 0;
      Compress(chunk_cv_, chunk_block_, kBlockBytes, chunks_done_, flags_ | start, state);
      std::memcpy(chunk_cv_, state, sizeof(chunk_cv_));
      ++chunk_blocks_done_;
      chunk_block_len_ = 0;
      std::memset(chunk_block_, 0, sizeof(chunk_block_));
    }
    const size_t take = std::min(left, kBlockBytes - chunk_block_len_);
    std::memcpy(chunk_block_ + chunk_block_len_, bytes, take);
    chunk_block_len_ += static_cast<uint8_t>(take);
    bytes += take;
    left -= take;
  }
}

Blake3Hasher::Node Blake3Hasher::ChunkNode() const {
  Node node;
  std::memcpy(node.cv, chunk_cv_, sizeof(node.cv));
  std::memcpy(node.block, chunk_block_, sizeof(node.block));
  node.block_len = chunk_block_len_;
  node.counter = chunks_done_;
  node.flags = flags_ | (chunk_blocks_done_ == 0 ? kChunkStart : 0) | kChunkEnd;
  return node;
}

Blake3Hasher::Node Blake3Hasher::ParentNode(const uint8_t left[32], const uint8_t right[32]) const {
  Node node;
  std::memcpy(node.cv, key_, sizeof(node.cv));
  std::memcpy(node.block, left, kCvBytes);
  std::memcpy(node.block + kCvBytes, right, kCvBytes);
  node.block_len = kBlockBytes;
  node.counter = 0;
  node.flags = flags_ | kParent;
  return node;
}

void Blake3Hasher::HashSubtree(const uint8_t* input, size_t chunks, size_t tops, uint8_t* out) const {
  const HashManyFn hash_many = HashManyFor(simd_);
  const uint8_t* inputs[kMaxSubtreeChunks];
  uint8_t level[2][kMaxSubtreeChunks * kCvBytes];
  for (size_t i = 0; i < chunks; ++i) inputs[i] = input + i * kChunkBytes;
  hash_many({inputs, chunks, kChunkBytes / kBlockBytes, key_, chunks_done_, true, flags_, kChunkStart, kChunkEnd},
            level[0]);
  // Then each level of parents, all of its nodes at once, until `tops` are left.
  size_t current = 0;
  for (size_t nodes = chunks / 2; nodes >= tops; nodes /= 2) {
    for (size_t i = 0; i < nodes; ++i) inputs[i] = level[current] + i * 2 * kCvBytes;
    hash_many({inputs, nodes, 1, key_, 0, false, static_cast<uint8_t>(flags_ | kParent), 0, 0}, level[1 - current]);
    current = 1 - current;
  }
  std::memcpy(out, level[current], tops * kCvBytes);
}

// Once input is known to follow the first `chunks` chunks, every complete subtree among
// them can be merged: what remains is one chaining value per set bit of `chunks`.
void Blake3Hasher::MergeStack(uint64_t chunks) {
  const size_t keep = static_cast<size_t>(std::popcount(chunks));
  while (stack_size_ > keep) {
    ParentNode(stack_[stack_size_ - 2], stack_[stack_size_ - 1]).ChainingValue(stack_[stack_size_ - 2]);
    --stack_size_;
  }
}

void Blake3Hasher::Update(std::string_view data) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  size_t left = data.size();
  while (left > 0) {
    const size_t chunk_length = chunk_blocks_done_ * kBlockBytes + chunk_block_len_;
    if (chunk_length == kChunkBytes) {
      // The chunk is full and input follows: it is not the last node, so it can be closed.
      ChunkNode().ChainingValue(stack_[stack_size_++]);
      ++chunks_done_;
      std::memcpy(chunk_cv_, key_, sizeof(chunk_cv_));
      std::memset(chunk_block_, 0, sizeof(chunk_block_));
      chunk_block_len_ = 0;
      chunk_blocks_done_ = 0;
      continue;
    }
    if (chunk_length == 0) {
      MergeStack(chunks_done_);
      // Whole chunks go through HashMany as a subtree: a power of two of them, aligned to
      // its own size in the chunk sequence, as the tree's shape demands.
      if (left >= kChunkBytes) {
        size_t chunks = std::min(std::bit_floor(left / kChunkBytes), kMaxSubtreeChunks);
        while (chunks_done_ % chunks != 0) chunks /= 2;
        // A first subtree that takes all the input so far may be all there will be, and
        // then its top node is the root, compressed differently at Finalize: such a subtree
        // goes on the stack as its two halves; a lone first chunk stays in the chunk buffer.
        const bool may_be_root = chunks_done_ == 0 && chunks * kChunkBytes == left;
        if (!may_be_root || chunks >= 2) {
          const size_t tops = may_be_root ? 2 : 1;
          HashSubtree(bytes, chunks, tops, stack_[stack_size_]);
          stack_size_ += tops;
          chunks_done_ += chunks;
          bytes += chunks * kChunkBytes;
          left -= chunks * kChunkBytes;
          continue;
        }
      }
    }
    const size_t take = std::min(left, kChunkBytes - chunk_length);
    UpdateChunk(std::string_view(reinterpret_cast<const char*>(bytes), take));
    bytes += take;
    left -= take;
  }
}

void Blake3Hasher::Finalize(uint8_t* out, size_t size) const {
  // Fold the stack from the right into the last node; that node is the root.
  Node node;
  size_t below = stack_size_;
  const bool chunk_empty = chunk_blocks_done_ == 0 && chunk_block_len_ == 0;
  if (chunk_empty && chunks_done_ > 0) {
    // Input ended with a whole subtree: the last node is the parent of the top two.
    node = ParentNode(stack_[below - 2], stack_[below - 1]);
    below -= 2;
  } else {
    node = ChunkNode();
  }
  for (; below > 0; --below) {
    uint8_t cv[kCvBytes];
    node.ChainingValue(cv);
    node = ParentNode(stack_[below - 1], cv);
  }
  // The root's output is as long as asked: each compression with the next counter gives
  // 64 more bytes.
  for (uint64_t counter = 0; size > 0; ++counter) {
    uint32_t state[16];
    Compress(node.cv, node.block, node.block_len, counter, node.flags | kRoot, state);
    uint8_t block[64];
    WordsToBytes(state, 16, block);
    const size_t take = std::min(size, sizeof(block));
    std::memcpy(out, block, take);
    out += take;
    size -= take;
  }
}

}  // namespace kiln
