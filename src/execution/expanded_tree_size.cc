#include "execution/expanded_tree_size.h"

#include <algorithm>

namespace kiln {
namespace {

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return b > kSaturated - a ? kSaturated : a + b; }

std::string Figure(uint64_t value) {
  return value == kSaturated ? std::to_string(value) + " or more" : std::to_string(value);
}

}  // namespace

uint64_t ExpandedTreeSize::entries() const { return SaturatingAdd(SaturatingAdd(files, symlinks), directories); }

Status CheckInputTreeLimits(const ExpandedTreeSize& size, const InputTreeLimits& limits, bool at_least) {
  const std::string expands_to = at_least ? "expands to at least " : "expands to ";
  if (size.entries() > static_cast<uint64_t>(limits.max_entries)) {
    return Status::FailedPrecondition("the input tree " + expands_to + Figure(size.entries()) + " files, directories and symlinks (" +
                                      Figure(size.files) + " files, " + Figure(size.directories) + " directories, " +
                                      Figure(size.symlinks) + " symlinks), over the limit of " +
                                      std::to_string(limits.max_entries) + " (--max-input-files)");
  }
  if (size.bytes > static_cast<uint64_t>(limits.max_bytes)) {
    return Status::FailedPrecondition("the input tree " + expands_to + Figure(size.bytes) +
                                      " bytes of files, over the limit of " + std::to_string(limits.max_bytes) +
                                      " bytes (--max-input-bytes)");
  }
  if (size.depth > static_cast<uint64_t>(limits.max_depth)) {
    return Status::FailedPrecondition("the input tree is " + std::string(at_least ? "at least " : "") +
                                      Figure(size.depth) + " directories deep, over the limit of " +
                                      std::to_string(limits.max_depth) + " (--max-input-depth)");
  }
  return Status::Ok();
}

uint32_t ExpandedTreeSizer::IndexOf(const Digest& digest) {
  auto [it, inserted] = index_.try_emplace(digest, static_cast<uint32_t>(nodes_.size()));
  if (inserted) nodes_.emplace_back();
  return it->second;
}

void ExpandedTreeSizer::Add(const Digest& digest, const reapi::Directory& directory) {
  const uint32_t index = IndexOf(digest);
  Node node;
  node.files = static_cast<uint64_t>(directory.files_size());
  node.symlinks = static_cast<uint64_t>(directory.symlinks_size());
  for (const auto& file : directory.files()) {
    node.bytes = SaturatingAdd(node.bytes, static_cast<uint64_t>(std::max<int64_t>(0, file.digest().size_bytes())));
  }
  node.children.reserve(directory.directories_size());
  for (const auto& child : directory.directories()) {
    node.children.push_back(IndexOf(*FromProto(digest.function(), child.digest(), "")));  // Valid: REQUIRES.
  }
  distinct_sum_.files = SaturatingAdd(distinct_sum_.files, node.files);
  distinct_sum_.symlinks = SaturatingAdd(distinct_sum_.symlinks, node.symlinks);
  distinct_sum_.directories = SaturatingAdd(distinct_sum_.directories, node.children.size());
  distinct_sum_.bytes = SaturatingAdd(distinct_sum_.bytes, node.bytes);
  nodes_[index] = std::move(node);  // After IndexOf calls, which may grow nodes_.
}

StatusOr<ExpandedTreeSize> ExpandedTreeSizer::Compute(const Digest& root) const {
  auto root_entry = index_.find(root);
  if (root_entry == index_.end()) return ExpandedTreeSize{};
  enum State : uint8_t { kUnvisited, kOnPath, kSummed };
  std::vector<State> state(nodes_.size(), kUnvisited);
  std::vector<ExpandedTreeSize> sums(nodes_.size());
  // Depth-first, children before parents, without recursion: the depth is what is being
  // measured, so it cannot bound a call stack.
  struct Frame {
    uint32_t node;
    size_t next_child;
  };
  std::vector<Frame> path{{root_entry->second, 0}};
  state[root_entry->second] = kOnPath;
  while (!path.empty()) {
    const uint32_t current = path.back().node;
    const Node& node = nodes_[current];
    if (path.back().next_child < node.children.size()) {
      const uint32_t child = node.children[path.back().next_child++];
      if (state[child] == kOnPath) {
        for (const auto& [digest, index] : index_) {
          if (index == child) {
            return Status::InvalidArgument("the input tree is not a tree: Directory " + digest.ToString() +
                                           " contains itself");
          }
        }
      }
      if (state[child] == kUnvisited) {
        state[child] = kOnPath;
        path.push_back({child, 0});
      }
      continue;
    }
    ExpandedTreeSize& sum = sums[current];
    sum.files = node.files;
    sum.symlinks = node.symlinks;
    sum.bytes = node.bytes;
    for (const uint32_t child : node.children) {
      const ExpandedTreeSize& below = sums[child];
      sum.files = SaturatingAdd(sum.files, below.files);
      sum.symlinks = SaturatingAdd(sum.symlinks, below.symlinks);
      sum.directories = SaturatingAdd(sum.directories, SaturatingAdd(below.directories, 1));
      sum.bytes = SaturatingAdd(sum.bytes, below.bytes);
      sum.depth = std::max(sum.depth, below.depth + 1);
    }
    state[current] = kSummed;
    path.pop_back();
  }
  return sums[root_entry->second];
}

}  // namespace kiln
