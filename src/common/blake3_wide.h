// HashMany over as many inputs as a SIMD register has 32-bit lanes: lane i of every vector
// belongs to input i, so one pass of the compression function's code compresses a block of
// each input. Written once over a "lanes" type that supplies the vector operations; each
// SIMD file (blake3_sse41.cc, blake3_avx2.cc) defines its lanes type in an anonymous
// namespace and instantiates this there, compiled for its instruction set, so that no copy
// of this code is shared between files built with different -m flags.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/blake3_compress.h"

namespace kiln::blake3 {

// Lanes must provide: Vec, kCount, Add, Xor, Splat(uint32_t), RotateRight16/12/8/7,
// LoadMessage(inputs, byte offset, Vec m[16]) giving m[w] = word w of each input's block,
// StoreChainingValues(const Vec h[8], out) writing lane i's 8 words to out + 32 * i.
template <class Lanes>
[[gnu::always_inline]] inline void WideG(typename Lanes::Vec& a, typename Lanes::Vec& b, typename Lanes::Vec& c,
                                         typename Lanes::Vec& d, typename Lanes::Vec mx, typename Lanes::Vec my) {
  a = Lanes::Add(Lanes::Add(a, b), mx);
  d = Lanes::RotateRight16(Lanes::Xor(d, a));
  c = Lanes::Add(c, d);
  b = Lanes::RotateRight12(Lanes::Xor(b, c));
  a = Lanes::Add(Lanes::Add(a, b), my);
  d = Lanes::RotateRight8(Lanes::Xor(d, a));
  c = Lanes::Add(c, d);
  b = Lanes::RotateRight7(Lanes::Xor(b, c));
}

template <class Lanes, size_t kRound>
[[gnu::always_inline]] inline void WideRound(typename Lanes::Vec* v, const typename Lanes::Vec* m) {
  constexpr auto& s = kSchedule[kRound];
  WideG<Lanes>(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
  WideG<Lanes>(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
  WideG<Lanes>(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
  WideG<Lanes>(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
  WideG<Lanes>(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
  WideG<Lanes>(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
  WideG<Lanes>(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
  WideG<Lanes>(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
}

// Exactly Lanes::kCount inputs from job.inputs + first, whose counters start at `counter`.
template <class Lanes>
void HashLaneGroup(const ManyJob& job, size_t first, uint8_t* out) {
  using Vec = typename Lanes::Vec;
  Vec h[8];
  for (size_t i = 0; i < 8; ++i) h[i] = Lanes::Splat(job.key[i]);
  uint32_t counter_low[Lanes::kCount];
  uint32_t counter_high[Lanes::kCount];
  for (size_t lane = 0; lane < Lanes::kCount; ++lane) {
    const uint64_t counter = job.counter + (job.increment_counter ? first + lane : 0);
    counter_low[lane] = static_cast<uint32_t>(counter);
    counter_high[lane] = static_cast<uint32_t>(counter >> 32);
  }
  const Vec low = Lanes::Load(counter_low);
  const Vec high = Lanes::Load(counter_high);
  const Vec block_len = Lanes::Splat(kBlockBytes);
  const uint8_t* const* inputs = job.inputs + first;
  uint8_t block_flags = job.flags | job.first_block_flags;
  for (size_t b = 0; b < job.blocks; ++b) {
    if (b + 1 == job.blocks) block_flags |= job.last_block_flags;
    Vec m[16];
    Lanes::LoadMessage(inputs, b * kBlockBytes, m);
    Vec v[16] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
                 Lanes::Splat(kIv[0]), Lanes::Splat(kIv[1]), Lanes::Splat(kIv[2]), Lanes::Splat(kIv[3]),
                 low, high, block_len, Lanes::Splat(block_flags)};
    WideRound<Lanes, 0>(v, m);
    WideRound<Lanes, 1>(v, m);
    WideRound<Lanes, 2>(v, m);
    WideRound<Lanes, 3>(v, m);
    WideRound<Lanes, 4>(v, m);
    WideRound<Lanes, 5>(v, m);
    WideRound<Lanes, 6>(v, m);
    for (size_t i = 0; i < 8; ++i) h[i] = Lanes::Xor(v[i], v[i + 8]);
    block_flags = job.flags;
  }
  Lanes::StoreChainingValues(h, out + kCvBytes * first);
}

// Whole groups here; the rest (fewer than Lanes::kCount inputs) to `narrower`.
template <class Lanes>
void HashManyWide(const ManyJob& job, uint8_t* out, void (*narrower)(const ManyJob&, uint8_t*)) {
  size_t first = 0;
  for (; first + Lanes::kCount <= job.count; first += Lanes::kCount) HashLaneGroup<Lanes>(job, first, out);
  if (first == job.count) return;
  ManyJob rest = job;
  rest.inputs = job.inputs + first;
  rest.count = job.count - first;
  if (job.increment_counter) rest.counter = job.counter + first;
  narrower(rest, out + kCvBytes * first);
}

}  // namespace kiln::blake3
