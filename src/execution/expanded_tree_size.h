// The size of an input tree once staged, computed on the Directory DAG without expanding
// it. One Directory may be named by many DirectoryNodes (the same headers under several
// paths, or, from a hostile client, a Directory whose two children are the same Directory,
// 30 levels deep: a few KiB in the CAS, 2^30 files once staged), and staging writes it out
// once per path. Each distinct Directory is summed once, from the sums of its children, so
// the cost is linear in the distinct Directories and their entries whatever the expanded
// size; sums saturate at kSaturated instead of overflowing.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/proto_digest.h"

namespace kiln {

inline constexpr uint64_t kSaturated = std::numeric_limits<uint64_t>::max();

struct ExpandedTreeSize {
  uint64_t files = 0;     // Regular files, each time one appears in the expanded tree.
  uint64_t symlinks = 0;
  uint64_t directories = 0;  // Below the root: what staging creates.
  uint64_t bytes = 0;        // Of all files, each time a file appears.
  uint64_t depth = 0;        // Directory levels below the root; 0 when it has no subdirectories.

  // Files, symlinks and directories: the inodes staging creates.
  uint64_t entries() const;
};

// Beyond these, an input tree is refused before anything is staged. The defaults are far
// above real builds' actions (the largest input trees of big monorepos' actions are around
// 100,000 files; real trees are rarely 40 levels deep) and stop a tree that would fill the
// work filesystem or take minutes to stage.
struct InputTreeLimits {
  // Files, directories and symlinks together (`kiln serve --max-input-files`): about 7 s
  // of staging at the 150,000 entries a second measured on these machines.
  int64_t max_entries = 1'000'000;
  // Bytes of all files (`--max-input-bytes`). Hardlinked inputs take no space, but copied
  // ones do (executables, a root server without the sandbox).
  int64_t max_bytes = int64_t{100} << 30;
  // Directory levels below the root (`--max-input-depth`). 256 levels of names of 15
  // characters are already a path longer than PATH_MAX (4096).
  int64_t max_depth = 256;
};

// FAILED_PRECONDITION naming the first limit `size` exceeds, its flag and the figure.
// `at_least`: `size` is a lower bound, found before the whole tree was read; the message
// then says "at least".
Status CheckInputTreeLimits(const ExpandedTreeSize& size, const InputTreeLimits& limits, bool at_least = false);

// Collects the distinct Directories of one tree as they are read, and sums them.
class ExpandedTreeSizer {
 public:
  // Records the Directory stored under `digest`. Each distinct digest is added once; its
  // children count as often as directory.directories() names them.
  // REQUIRES: `directory` is valid (its digests parse) and uses `digest`'s function.
  void Add(const Digest& digest, const reapi::Directory& directory);

  // The expanded size of the tree under `root`. A Directory never added counts as empty
  // (the caller reports it missing). INVALID_ARGUMENT if the Directories form a cycle:
  // with honest hashing a Directory cannot contain its own digest, but a cycle must not
  // hang the server either.
  StatusOr<ExpandedTreeSize> Compute(const Digest& root) const;

  // The sums over the Directories added so far, each counted once: a lower bound of the
  // expanded size of any tree made of them (depth is not tracked: 0).
  const ExpandedTreeSize& distinct_sum() const { return distinct_sum_; }

 private:
  struct Node {
    uint64_t files = 0;
    uint64_t symlinks = 0;
    uint64_t bytes = 0;
    std::vector<uint32_t> children;  // Indexes into nodes_, one per DirectoryNode.
  };
  uint32_t IndexOf(const Digest& digest);

  std::unordered_map<Digest, uint32_t, DigestHash> index_;
  std::vector<Node> nodes_;
  ExpandedTreeSize distinct_sum_;
};

}  // namespace kiln
