// Directory trees: building a Tree from an action's output directory (read, hash, look up
// in the CAS, build sorted Directory messages) and walking a stored tree for GetTree.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cas/memory_blob_store.h"
#include "cas/tree_walker.h"
#include "common/file_util.h"
#include "common/hasher.h"
#include "testing/temp_dir.h"
#include "worker/output_tree.h"

namespace kiln {
namespace {

constexpr int kFanOut = 10;  // Subdirectories and files per directory.

// A directory of kFanOut files and kFanOut subdirectories, each with kFanOut files:
// 110 files of 1 KiB in 11 directories.
void MakeOutputDirectory(const std::string& root) {
  for (int d = -1; d < kFanOut; ++d) {
    const std::string dir = d < 0 ? root : root + "/sub" + std::to_string(d);
    std::filesystem::create_directories(dir);
    for (int f = 0; f < kFanOut; ++f) {
      std::ofstream(dir + "/file" + std::to_string(f)) << std::string(1024, static_cast<char>('a' + (d + 1 + f) % 26))
                                                       << dir << f;
    }
  }
}

void BM_OutputTreeBuild(benchmark::State& state) {
  TempDir dir;
  MakeOutputDirectory(dir.path() + "/out");
  UniqueFd out(::open((dir.path() + "/out").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  MemoryBlobStore cas;
  CasUploader uploader(&cas, DigestFunction::kSha256);
  for (auto _ : state) {
    OutputTreeBuilder builder(&uploader);
    auto tree = builder.Build(out.get(), "out");
    if (!tree.ok()) {
      state.SkipWithError(tree.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(tree->children_size());
  }
}
BENCHMARK(BM_OutputTreeBuild);

// Stores a tree `depth` levels deep with kFanOut subdirectories and files per directory;
// returns the root's digest. Directories differ by their files' names.
Digest StoreTree(BlobStore& cas, int depth, const std::string& prefix) {
  reapi::Directory directory;
  for (int f = 0; f < kFanOut; ++f) {
    auto* file = directory.add_files();
    file->set_name(prefix + "f" + std::to_string(f));
    *file->mutable_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, prefix + std::to_string(f)));
  }
  for (int d = 0; depth > 0 && d < kFanOut; ++d) {
    auto* child = directory.add_directories();
    child->set_name("d" + std::to_string(d));
    *child->mutable_digest() = ToProto(StoreTree(cas, depth - 1, prefix + std::to_string(d) + "/"));
  }
  const std::string bytes = directory.SerializeAsString();
  const Digest digest = ComputeDigest(DigestFunction::kSha256, bytes);
  if (!WriteBlob(cas, digest, bytes).ok()) std::abort();
  return digest;
}

void BM_TreeWalkAll(benchmark::State& state) {
  MemoryBlobStore cas;
  const Digest root = StoreTree(cas, 2, "");  // 1 + 10 + 100 directories.
  for (auto _ : state) {
    auto walker = TreeWalker::Start(&cas, root, "");
    if (!walker.ok()) {
      state.SkipWithError(walker.status().ToString().c_str());
      return;
    }
    size_t directories = 0;
    while (!(*walker)->done()) {
      auto page = (*walker)->NextPage(1000, int64_t{4} << 20);
      if (!page.ok()) {
        state.SkipWithError(page.status().ToString().c_str());
        return;
      }
      directories += page->directories.size();
    }
    benchmark::DoNotOptimize(directories);
  }
}
BENCHMARK(BM_TreeWalkAll);

}  // namespace
}  // namespace kiln
