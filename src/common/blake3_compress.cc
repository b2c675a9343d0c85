#include "common/blake3_compress.h"

#include <cstring>

namespace kiln::blake3 {
namespace {

// Byte-wise so that the result is right on any byte order; compilers turn it into one load.
uint32_t LoadLittleEndian(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

void StoreLittleEndian(uint32_t word, uint8_t* p) {
  p[0] = static_cast<uint8_t>(word);
  p[1] = static_cast<uint8_t>(word >> 8);
  p[2] = static_cast<uint8_t>(word >> 16);
  p[3] = static_cast<uint8_t>(word >> 24);
}

uint32_t RotateRight(uint32_t x, int bits) { return (x >> bits) | (x << (32 - bits)); }

// The quarter-round, mixing two message words into a column or diagonal of the state.
inline void G(uint32_t* v, int a, int b, int c, int d, uint32_t mx, uint32_t my) {
  v[a] = v[a] + v[b] + mx;
  v[d] = RotateRight(v[d] ^ v[a], 16);
  v[c] = v[c] + v[d];
  v[b] = RotateRight(v[b] ^ v[c], 12);
  v[a] = v[a] + v[b] + my;
  v[d] = RotateRight(v[d] ^ v[a], 8);
  v[c] = v[c] + v[d];
  v[b] = RotateRight(v[b] ^ v[c], 7);
}

}  // namespace

void Compress(const uint32_t cv[8], const uint8_t block[kBlockBytes], uint8_t block_len, uint64_t counter,
              uint8_t flags, uint32_t out[16]) {
  uint32_t m[16];
  for (size_t i = 0; i < 16; ++i) m[i] = LoadLittleEndian(block + 4 * i);
  uint32_t v[16] = {cv[0],  cv[1],  cv[2],  cv[3],  cv[4],  cv[5],
                    cv[6],  cv[7],  kIv[0], kIv[1], kIv[2], kIv[3],
                    static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), block_len, flags};
  for (const auto& s : kSchedule) {
    G(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    G(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    G(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    G(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    G(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    G(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    G(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    G(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (size_t i = 0; i < 8; ++i) {
    out[i] = v[i] ^ v[i + 8];
    out[i + 8] = v[i + 8] ^ cv[i];
  }
}

void HashManyPortable(const ManyJob& job, uint8_t* out) {
  for (size_t i = 0; i < job.count; ++i) {
    uint32_t cv[8];
    std::memcpy(cv, job.key, sizeof(cv));
    uint8_t block_flags = job.flags | job.first_block_flags;
    for (size_t b = 0; b < job.blocks; ++b) {
      if (b + 1 == job.blocks) block_flags |= job.last_block_flags;
      uint32_t state[16];
      Compress(cv, job.inputs[i] + b * kBlockBytes, kBlockBytes, job.counter + (job.increment_counter ? i : 0),
               block_flags, state);
      std::memcpy(cv, state, sizeof(cv));
      block_flags = job.flags;
    }
    for (size_t w = 0; w < 8; ++w) StoreLittleEndian(cv[w], out + kCvBytes * i + 4 * w);
  }
}

}  // namespace kiln::blake3
