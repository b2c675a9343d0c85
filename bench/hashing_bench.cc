// SHA-256 of one blob, as every upload and every output file pays it.
#include <benchmark/benchmark.h>

#include <string>

#include "common/hasher.h"

namespace kiln {
namespace {

void BM_Sha256Digest(benchmark::State& state) {
  const std::string data(static_cast<size_t>(state.range(0)), 'k');
  for (auto _ : state) benchmark::DoNotOptimize(ComputeDigest(DigestFunction::kSha256, data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Sha256Digest)->Arg(4 << 10)->Arg(1 << 20);

// The same over a buffer far larger than the CPU caches, so that every pass reads main
// memory, as hashing a large upload does. Should come close to the cached 1 MiB case.
void BM_Sha256ColdMemory(benchmark::State& state) {
  const std::string data(size_t{256} << 20, 'k');
  for (auto _ : state) benchmark::DoNotOptimize(ComputeDigest(DigestFunction::kSha256, data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_Sha256ColdMemory)->Unit(benchmark::kMillisecond);

// Parsing and validating a digest from the wire (hex check), which every request does.
void BM_DigestCreate(benchmark::State& state) {
  const std::string hash = ComputeDigest(DigestFunction::kSha256, "x").hash();
  for (auto _ : state) benchmark::DoNotOptimize(Digest::Create(DigestFunction::kSha256, hash, 1));
}
BENCHMARK(BM_DigestCreate);

}  // namespace
}  // namespace kiln
