// What verification costs a read of a stored 16 MiB blob, read in 1 MiB runs as ByteStream
// Read takes them (ReadForSending, mapped) but not sent anywhere: a file verified since it
// was last changed (the normal case: kiln wrote it) against one that must be hashed on the
// way (the first read after a restart, or after anything touched the file).
#include <benchmark/benchmark.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "cas/disk_blob_store.h"
#include "common/hasher.h"

namespace kiln {
namespace {

constexpr size_t kBlobBytes = 16 << 20;

void ReadBlobBench(benchmark::State& state, bool hash_each_read) {
  std::string root = (std::filesystem::temp_directory_path() / "kiln-bench-XXXXXX").string();
  if (::mkdtemp(root.data()) == nullptr) return state.SkipWithError("mkdtemp failed");
  {
    DiskBlobStoreOptions options;
    options.root = root;
    auto store = DiskBlobStore::Open(options);
    if (!store.ok()) return state.SkipWithError("cannot open the store");
    std::string data(kBlobBytes, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 + i / 4096);
    const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    if (!WriteBlob(**store, digest, data).ok()) return state.SkipWithError("cannot store the blob");
    const std::string path = (*store)->PathFor(digest);
    for (auto _ : state) {
      // A chmod to the same mode changes only the ctime: the file then needs hashing.
      if (hash_each_read) ::chmod(path.c_str(), 0444);
      auto reader = (*store)->OpenRead(digest, 0);
      if (!reader.ok()) return state.SkipWithError("cannot open the blob");
      for (size_t read = 0; read < kBlobBytes;) {
        auto bytes = (*reader)->ReadForSending(1 << 20);
        if (!bytes.ok() || bytes->size == 0) return state.SkipWithError("read failed");
        benchmark::DoNotOptimize(bytes->data);
        read += bytes->size;
      }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(kBlobBytes));
  }
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
}

void BM_ReadVerifiedBlob(benchmark::State& state) { ReadBlobBench(state, false); }
BENCHMARK(BM_ReadVerifiedBlob)->Unit(benchmark::kMillisecond);

void BM_ReadUnverifiedBlob(benchmark::State& state) { ReadBlobBench(state, true); }
BENCHMARK(BM_ReadUnverifiedBlob)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kiln
