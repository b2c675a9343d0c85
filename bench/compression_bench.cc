// The wire compressors kiln serves (zstd, DEFLATE, BROTLI), at the levels kiln compresses
// ByteStream reads and batch answers with, and their decoders, which every compressed
// upload runs through. The input is text-like (words from a small vocabulary in a
// pseudo-random order), which each of them shrinks 3-4 times.
#include <benchmark/benchmark.h>

#include <string>

#include "common/compression.h"

namespace kiln {
namespace {

std::string TextLikeBytes(size_t size) {
  static const char* const kWords[] = {"kiln",   "remote", "execution", "blob",  "digest", "chunk",   "action",
                                       "result", "stdout", "compile",   "link",  "header", "include", "return",
                                       "static", "const",  "void",      "int64", "std",    "string",  "\n"};
  std::string out;
  out.reserve(size + 16);
  uint64_t state = 0x9e3779b97f4a7c15u;
  while (out.size() < size) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    out += kWords[(state >> 33) % std::size(kWords)];
    out += ' ';
  }
  out.resize(size);
  return out;
}

const std::string& Input() {
  static const std::string input = TextLikeBytes(4 << 20);
  return input;
}

void BM_Compress(benchmark::State& state) {
  const auto compression = static_cast<Compression>(state.range(0));
  state.SetLabel(std::string(CompressionName(compression)));
  size_t compressed = 0;
  for (auto _ : state) compressed = CompressBytes(compression, Input())->size();
  state.counters["ratio"] = static_cast<double>(Input().size()) / static_cast<double>(compressed);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Input().size()));
}
BENCHMARK(BM_Compress)
    ->Arg(static_cast<int>(Compression::kZstd))
    ->Arg(static_cast<int>(Compression::kDeflate))
    ->Arg(static_cast<int>(Compression::kBrotli))
    ->Unit(benchmark::kMillisecond);

// Bytes per second of output, as an upload is counted.
void BM_Decompress(benchmark::State& state) {
  const auto compression = static_cast<Compression>(state.range(0));
  state.SetLabel(std::string(CompressionName(compression)));
  const std::string compressed = *CompressBytes(compression, Input());
  const auto size = static_cast<int64_t>(Input().size());
  for (auto _ : state) {
    auto decompressor = NewDecompressor(compression);
    int64_t produced = 0;
    Status status = decompressor->Decompress(
        compressed,
        [&](std::string_view piece) {
          produced += static_cast<int64_t>(piece.size());
          return Status::Ok();
        },
        size);
    if (!status.ok() || produced != size) state.SkipWithError("decompression failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * size);
}
BENCHMARK(BM_Decompress)
    ->Arg(static_cast<int>(Compression::kZstd))
    ->Arg(static_cast<int>(Compression::kDeflate))
    ->Arg(static_cast<int>(Compression::kBrotli))
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kiln
