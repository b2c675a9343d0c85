// SHA-256 of one blob, as every upload and every output file pays it, and BLAKE3 beside it
// (each of its implementations) on the same sizes.
#include <benchmark/benchmark.h>

#include <string>

#include "common/blake3.h"
#include "common/hasher.h"

namespace kiln {
namespace {

void BM_Sha256Digest(benchmark::State& state) {
  const std::string data(static_cast<size_t>(state.range(0)), 'k');
  for (auto _ : state) benchmark::DoNotOptimize(ComputeDigest(DigestFunction::kSha256, data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Sha256Digest)->Arg(4 << 10)->Arg(64 << 10)->Arg(1 << 20);

// BLAKE3 through kiln's Hasher, as the CAS computes it: the widest SIMD the CPU has.
void BM_Blake3Digest(benchmark::State& state) {
  const std::string data(static_cast<size_t>(state.range(0)), 'k');
  for (auto _ : state) benchmark::DoNotOptimize(ComputeDigest(DigestFunction::kBlake3, data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Blake3Digest)->Arg(4 << 10)->Arg(64 << 10)->Arg(1 << 20);

// Each BLAKE3 implementation this CPU runs (argument 1: 0 portable, 1 SSE4.1, 2 AVX2).
void BM_Blake3Implementation(benchmark::State& state) {
  const auto simd = static_cast<Blake3Simd>(state.range(1));
  if (!Blake3SimdAvailable(simd)) {
    state.SkipWithError("this CPU lacks the instructions");
    return;
  }
  state.SetLabel(std::string(Blake3SimdName(simd)));
  const std::string data(static_cast<size_t>(state.range(0)), 'k');
  for (auto _ : state) {
    Blake3Hasher hasher(simd);
    hasher.Update(data);
    uint8_t out[Blake3Hasher::kHashBytes];
    hasher.Finalize(out, sizeof(out));
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Blake3Implementation)->ArgsProduct({{64 << 10, 1 << 20}, {0, 1, 2}});

// The same over a buffer far larger than the CPU caches, so that every pass reads main
// memory, as hashing a large upload does. Should come close to the cached 1 MiB case.
void BM_Sha256ColdMemory(benchmark::State& state) {
  const std::string data(size_t{256} << 20, 'k');
  for (auto _ : state) benchmark::DoNotOptimize(ComputeDigest(DigestFunction::kSha256, data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_Sha256ColdMemory)->Unit(benchmark::kMillisecond);

void BM_Blake3ColdMemory(benchmark::State& state) {
  const std::string data(size_t{256} << 20, 'k');
  for (auto _ : state) benchmark::DoNotOptimize(ComputeDigest(DigestFunction::kBlake3, data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_Blake3ColdMemory)->Unit(benchmark::kMillisecond);

// Parsing and validating a digest from the wire (hex check), which every request does.
void BM_DigestCreate(benchmark::State& state) {
  const std::string hash = ComputeDigest(DigestFunction::kSha256, "x").hash();
  for (auto _ : state) benchmark::DoNotOptimize(Digest::Create(DigestFunction::kSha256, hash, 1));
}
BENCHMARK(BM_DigestCreate);

}  // namespace
}  // namespace kiln
