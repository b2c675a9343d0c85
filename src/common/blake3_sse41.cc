// HashMany four inputs at a time in SSE registers (SSSE3 byte shuffles included). This
// file alone is compiled with -msse4.1 (src/CMakeLists.txt); blake3.cc calls it only when
// the CPU reports SSE4.1.
#if defined(__x86_64__)
#include <immintrin.h>

#include "common/blake3_wide.h"

namespace kiln::blake3 {
namespace {

struct Sse41Lanes {
  using Vec = __m128i;
  static constexpr size_t kCount = 4;

  static Vec Add(Vec a, Vec b) { return _mm_add_epi32(a, b); }
  static Vec Xor(Vec a, Vec b) { return _mm_xor_si128(a, b); }
  static Vec Splat(uint32_t x) { return _mm_set1_epi32(static_cast<int>(x)); }
  static Vec Load(const void* p) { return _mm_loadu_si128(static_cast<const Vec*>(p)); }

  // Rotations by whole bytes are one byte shuffle; the others take two shifts.
  static Vec RotateRight16(Vec x) {
    return _mm_shuffle_epi8(x, _mm_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
  }
  static Vec RotateRight8(Vec x) {
    return _mm_shuffle_epi8(x, _mm_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
  }
  static Vec RotateRight12(Vec x) { return _mm_or_si128(_mm_srli_epi32(x, 12), _mm_slli_epi32(x, 20)); }
  static Vec RotateRight7(Vec x) { return _mm_or_si128(_mm_srli_epi32(x, 7), _mm_slli_epi32(x, 25)); }

  // Rows in (row i = 4 words of input i), columns out (vector w = word w of every input),
  // and back again for the chaining values.
  static void Transpose(Vec r[4]) {
    const Vec a0 = _mm_unpacklo_epi32(r[0], r[1]);
    const Vec a1 = _mm_unpackhi_epi32(r[0], r[1]);
    const Vec a2 = _mm_unpacklo_epi32(r[2], r[3]);
    const Vec a3 = _mm_unpackhi_epi32(r[2], r[3]);
    r[0] = _mm_unpacklo_epi64(a0, a2);
    r[1] = _mm_unpackhi_epi64(a0, a2);
    r[2] = _mm_unpacklo_epi64(a1, a3);
    r[3] = _mm_unpackhi_epi64(a1, a3);
  }

  static void LoadMessage(const uint8_t* const* inputs, size_t offset, Vec m[16]) {
    for (size_t quarter = 0; quarter < 4; ++quarter) {
      Vec* rows = m + 4 * quarter;
      for (size_t i = 0; i < kCount; ++i) rows[i] = Load(inputs[i] + offset + 16 * quarter);
      Transpose(rows);
    }
  }

  static void StoreChainingValues(const Vec h[8], uint8_t* out) {
    for (size_t half = 0; half < 2; ++half) {
      Vec rows[4] = {h[4 * half], h[4 * half + 1], h[4 * half + 2], h[4 * half + 3]};
      Transpose(rows);
      for (size_t i = 0; i < kCount; ++i) {
        _mm_storeu_si128(reinterpret_cast<Vec*>(out + kCvBytes * i + 16 * half), rows[i]);
      }
    }
  }
};

}  // namespace

void HashManySse41(const ManyJob& job, uint8_t* out) { HashManyWide<Sse41Lanes>(job, out, &HashManyPortable); }

}  // namespace kiln::blake3

#endif  // defined(__x86_64__)
