// The in-memory blob index at a million blobs: the lookups FindMissingBlobs makes (with
// pinning) and inserts of new blobs.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <memory>

#include "bench_data.h"
#include "cas/blob_index.h"

namespace kiln {
namespace {

constexpr size_t kIndexedBlobs = 1'000'000;

// Built once (it takes a second or two) and shared by the benchmarks below.
struct MillionBlobIndex {
  MillionBlobIndex() : index(&clock, std::chrono::minutes(10)), digests(bench::DistinctDigests(kIndexedBlobs, 1)) {
    for (const Digest& digest : digests) index.Insert(digest);
  }
  FakeClock clock;
  BlobIndex index;
  std::vector<Digest> digests;
};

MillionBlobIndex& SharedIndex() {
  static auto* shared = new MillionBlobIndex;
  return *shared;
}

// Lookups with pinning, as FindMissingBlobs makes them, of indexed or of unknown blobs.
void BM_BlobIndexTouch(benchmark::State& state) {
  MillionBlobIndex& shared = SharedIndex();
  const bool present = state.range(0) == 1;
  const std::vector<Digest> missing = present ? std::vector<Digest>() : bench::DistinctDigests(4096, 2);
  const std::vector<Digest>& digests = present ? shared.digests : missing;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(shared.index.Touch(digests[i], /*pin=*/true));
    i = (i + 7919) % digests.size();  // Stride through the table rather than walk the LRU in order.
  }
}
BENCHMARK(BM_BlobIndexTouch)->ArgName("present")->Arg(1)->Arg(0);

void BM_BlobIndexInsertAndRemove(benchmark::State& state) {
  MillionBlobIndex& shared = SharedIndex();
  const std::vector<Digest> fresh = bench::DistinctDigests(4096, 3);
  size_t i = 0;
  for (auto _ : state) {
    shared.index.Insert(fresh[i]);
    shared.index.Remove(fresh[i]);
    i = (i + 1) % fresh.size();
  }
}
BENCHMARK(BM_BlobIndexInsertAndRemove);

// What the index costs per blob at a million blobs: heap in use (mmapped blocks included)
// after building it, minus before. The digests themselves are made first and not counted.
void BM_BlobIndexMemoryPerBlob(benchmark::State& state) {
  const std::vector<Digest> digests = bench::DistinctDigests(kIndexedBlobs, 4);
  double bytes_per_blob = 0;
  for (auto _ : state) {
    const auto heap_in_use = [] {
      const struct mallinfo2 info = ::mallinfo2();
      return static_cast<double>(info.uordblks + info.hblkhd);
    };
    const double before = heap_in_use();
    FakeClock clock;
    auto index = std::make_unique<BlobIndex>(&clock, std::chrono::minutes(10));
    for (const Digest& digest : digests) index->Insert(digest);
    bytes_per_blob = (heap_in_use() - before) / static_cast<double>(digests.size());
  }
  state.counters["bytes_per_blob"] = bytes_per_blob;
}
BENCHMARK(BM_BlobIndexMemoryPerBlob)->Iterations(1)->Unit(benchmark::kMillisecond);

// The rebuild after a mass eviction: a million blobs indexed, 600,000 evicted, then the
// index is rebuilt at 400,000 (the store's mutex is held this long).
void BM_BlobIndexShrinkAfterEviction(benchmark::State& state) {
  const std::vector<Digest> digests = bench::DistinctDigests(kIndexedBlobs, 5);
  for (auto _ : state) {
    state.PauseTiming();
    FakeClock clock;
    auto index = std::make_unique<BlobIndex>(&clock, std::chrono::minutes(10));
    for (const Digest& digest : digests) index->Insert(digest);
    index->EvictDownTo(index->total_bytes() / 10 * 4);
    state.ResumeTiming();
    benchmark::DoNotOptimize(index->ShrinkIfSparse());
    state.PauseTiming();
    index.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_BlobIndexShrinkAfterEviction)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kiln
