// HashMany eight inputs at a time in AVX2 registers. This file alone is compiled with
// -mavx2 (src/CMakeLists.txt); blake3.cc calls it only when the CPU reports AVX2.
#if defined(__x86_64__)
#include <immintrin.h>

#include "common/blake3_wide.h"

namespace kiln::blake3 {
namespace {

struct Avx2Lanes {
  using Vec = __m256i;
  static constexpr size_t kCount = 8;

  static Vec Add(Vec a, Vec b) { return _mm256_add_epi32(a, b); }
  static Vec Xor(Vec a, Vec b) { return _mm256_xor_si256(a, b); }
  static Vec Splat(uint32_t x) { return _mm256_set1_epi32(static_cast<int>(x)); }
  static Vec Load(const void* p) { return _mm256_loadu_si256(static_cast<const Vec*>(p)); }

  // Rotations by whole bytes are one byte shuffle; the others take two shifts.
  static Vec RotateRight16(Vec x) {
    const Vec order = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
                                       2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    return _mm256_shuffle_epi8(x, order);
  }
  static Vec RotateRight8(Vec x) {
    const Vec order = _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,
                                       1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);
    return _mm256_shuffle_epi8(x, order);
  }
  static Vec RotateRight12(Vec x) { return _mm256_or_si256(_mm256_srli_epi32(x, 12), _mm256_slli_epi32(x, 20)); }
  static Vec RotateRight7(Vec x) { return _mm256_or_si256(_mm256_srli_epi32(x, 7), _mm256_slli_epi32(x, 25)); }

  // Rows in (row i = 8 words of input i), columns out (vector w = word w of every input).
  // The same shuffle turns the final chaining values back into rows.
  static void Transpose(Vec r[8]) {
    const Vec a0 = _mm256_unpacklo_epi32(r[0], r[1]);
    const Vec a1 = _mm256_unpackhi_epi32(r[0], r[1]);
    const Vec a2 = _mm256_unpacklo_epi32(r[2], r[3]);
    const Vec a3 = _mm256_unpackhi_epi32(r[2], r[3]);
    const Vec a4 = _mm256_unpacklo_epi32(r[4], r[5]);
    const Vec a5 = _mm256_unpackhi_epi32(r[4], r[5]);
    const Vec a6 = _mm256_unpacklo_epi32(r[6], r[7]);
    const Vec a7 = _mm256_unpackhi_epi32(r[6], r[7]);
    // Each 128-bit half now holds words {0,1} / {2,3} (low half) and {4,5} / {6,7} (high).
    const Vec b0 = _mm256_unpacklo_epi64(a0, a2);
    const Vec b1 = _mm256_unpackhi_epi64(a0, a2);
    const Vec b2 = _mm256_unpacklo_epi64(a1, a3);
    const Vec b3 = _mm256_unpackhi_epi64(a1, a3);
    const Vec b4 = _mm256_unpacklo_epi64(a4, a6);
    const Vec b5 = _mm256_unpackhi_epi64(a4, a6);
    const Vec b6 = _mm256_unpacklo_epi64(a5, a7);
    const Vec b7 = _mm256_unpackhi_epi64(a5, a7);
    r[0] = _mm256_permute2x128_si256(b0, b4, 0x20);
    r[1] = _mm256_permute2x128_si256(b1, b5, 0x20);
    r[2] = _mm256_permute2x128_si256(b2, b6, 0x20);
    r[3] = _mm256_permute2x128_si256(b3, b7, 0x20);
    r[4] = _mm256_permute2x128_si256(b0, b4, 0x31);
    r[5] = _mm256_permute2x128_si256(b1, b5, 0x31);
    r[6] = _mm256_permute2x128_si256(b2, b6, 0x31);
    r[7] = _mm256_permute2x128_si256(b3, b7, 0x31);
  }

  static void LoadMessage(const uint8_t* const* inputs, size_t offset, Vec m[16]) {
    for (size_t half = 0; half < 2; ++half) {
      Vec* rows = m + 8 * half;
      for (size_t i = 0; i < kCount; ++i) rows[i] = Load(inputs[i] + offset + 32 * half);
      Transpose(rows);
    }
  }

  static void StoreChainingValues(const Vec h[8], uint8_t* out) {
    Vec rows[8] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]};
    Transpose(rows);
    for (size_t i = 0; i < kCount; ++i) _mm256_storeu_si256(reinterpret_cast<Vec*>(out + kCvBytes * i), rows[i]);
  }
};

}  // namespace

void HashManyAvx2(const ManyJob& job, uint8_t* out) { HashManyWide<Avx2Lanes>(job, out, &HashManySse41); }

}  // namespace kiln::blake3

#endif  // defined(__x86_64__)
