// BlobStore::FindMissing over 1000 digests, as one FindMissingBlobs request asks, on the
// memory store and on the disk store (whose answer comes from its in-memory index).
#include <benchmark/benchmark.h>

#include "bench_data.h"
#include "cas/disk_blob_store.h"
#include "cas/memory_blob_store.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

constexpr size_t kDigestsPerRequest = 1000;

// Stores the blobs whose digests DistinctDigests(kDigestsPerRequest, 10) returns.
void StoreRequestBlobs(BlobStore& store) {
  const std::vector<Digest> digests = bench::DistinctDigests(kDigestsPerRequest, 10);
  for (size_t i = 0; i < kDigestsPerRequest; ++i) {
    if (!WriteBlob(store, digests[i], bench::DistinctBlob(i, 10)).ok()) std::abort();
  }
}

void RunFindMissing(benchmark::State& state, BlobStore& store) {
  const bool present = state.range(0) == 1;
  const std::vector<Digest> digests = bench::DistinctDigests(kDigestsPerRequest, present ? 10 : 11);
  for (auto _ : state) benchmark::DoNotOptimize(store.FindMissing(digests));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kDigestsPerRequest));
}

void BM_FindMissingMemoryStore(benchmark::State& state) {
  MemoryBlobStore store;
  StoreRequestBlobs(store);
  RunFindMissing(state, store);
}
BENCHMARK(BM_FindMissingMemoryStore)->ArgName("present")->Arg(1)->Arg(0);

void BM_FindMissingDiskStore(benchmark::State& state) {
  TempDir dir;
  auto store = DiskBlobStore::Open({dir.path(), int64_t{1} << 30, std::chrono::minutes(10), false});
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  StoreRequestBlobs(**store);
  RunFindMissing(state, **store);
}
BENCHMARK(BM_FindMissingDiskStore)->ArgName("present")->Arg(1)->Arg(0);

}  // namespace
}  // namespace kiln
