// Content-defined chunking of a large blob (SplitBlob, and the client side of a chunked
// upload): boundaries only, then the streaming pass over a BlobReader, then the whole split
// into a memory store with every chunk hashed. Random data, so boundaries fall as they do
// in compressed build outputs. The goal for FastCDC is >= 1 GB/s per core.
#include <benchmark/benchmark.h>

#include <memory>
#include <cstring>
#include <random>
#include <string>

#include "cas/blob_chunk_stream.h"
#include "cas/blob_split.h"
#include "cas/chunking.h"
#include "cas/memory_blob_store.h"
#include "cas/memory_reader.h"
#include "common/hasher.h"

namespace kiln {
namespace {

const std::shared_ptr<const std::string>& RandomBlob() {
  static const std::shared_ptr<const std::string> blob = [] {
    std::mt19937_64 random(42);
    auto data = std::make_shared<std::string>(size_t{64} << 20, '\0');
    for (size_t i = 0; i + 8 <= data->size(); i += 8) {
      const uint64_t word = random();
      std::memcpy(data->data() + i, &word, 8);
    }
    return data;
  }();
  return blob;
}

// Boundaries over data already in memory, upstream's recommended parameters.
void ChunkInMemory(benchmark::State& state, ChunkingFunction function) {
  const std::string& data = *RandomBlob();
  size_t chunks = 0;
  for (auto _ : state) {
    auto boundaries = std::move(NewChunkBoundaries(function, ChunkingConfig())).value();
    const size_t window = boundaries->window_bytes();
    chunks = 0;
    for (size_t offset = 0; offset < data.size(); ++chunks) {
      const std::string_view rest = std::string_view(data).substr(offset);
      const bool last = rest.size() <= window;
      offset += boundaries->NextChunk(last ? rest : rest.substr(0, window), last);
    }
    benchmark::DoNotOptimize(chunks);
  }
  state.counters["chunks"] = static_cast<double>(chunks);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data.size()));
}
void BM_FastCdc2020Boundaries(benchmark::State& state) { ChunkInMemory(state, ChunkingFunction::kFastCdc2020); }
void BM_RepMaxCdcBoundaries(benchmark::State& state) { ChunkInMemory(state, ChunkingFunction::kRepMaxCdc); }
BENCHMARK(BM_FastCdc2020Boundaries)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RepMaxCdcBoundaries)->Unit(benchmark::kMillisecond);

// The streaming pass: reads through BlobChunkStream's buffer, as SplitBlob does.
void BM_FastCdc2020Stream(benchmark::State& state) {
  const auto& data = RandomBlob();
  for (auto _ : state) {
    BlobChunkStream stream(std::make_unique<MemoryReader>(data, 0),
                           std::move(NewChunkBoundaries(ChunkingFunction::kFastCdc2020, ChunkingConfig())).value());
    for (;;) {
      auto chunk = stream.Next();
      if (!chunk.ok() || chunk->empty()) break;
      benchmark::DoNotOptimize(chunk->data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data->size()));
}
BENCHMARK(BM_FastCdc2020Stream)->Unit(benchmark::kMillisecond);

// A whole SplitBlob of a 64 MiB blob whose chunks are already stored: chunk, hash each
// chunk (SHA-256), look it up. Bounded by SHA-256, not by chunking.
void BM_SplitStoredBlob(benchmark::State& state) {
  MemoryBlobStore store;
  const std::string& data = *RandomBlob();
  const Digest blob = ComputeDigest(DigestFunction::kSha256, data);
  if (!WriteBlob(store, blob, data).ok()) state.SkipWithError("store");
  if (!SplitStoredBlob(store, blob, ChunkingFunction::kFastCdc2020, ChunkingConfig()).ok()) state.SkipWithError("split");
  for (auto _ : state) {
    benchmark::DoNotOptimize(SplitStoredBlob(store, blob, ChunkingFunction::kFastCdc2020, ChunkingConfig()));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_SplitStoredBlob)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kiln
