// An input tree as Execute receives it: Directories in the CAS, naming each other by digest.
// The input is a Tree message (root and children); every DirectoryNode with an empty hash is
// pointed at Directory number (size_bytes mod count) of that Tree, so that the fuzzer can
// build any graph (shared subtrees, deep chains, cycles), and other digests stay as given
// (malformed ones, missing ones). Checked:
//   - LoadAndValidateAction accepts the tree exactly when a naive expansion of it (every
//     path walked, bounded) finds it complete, valid and within the limits, and then reports
//     the same expanded size (the DAG sum against the brute force);
//   - GetTree's walker returns each reachable Directory once, and paging it with its own
//     page tokens returns the same Directories in the same order as one walk.
#include <string>
#include <vector>

#include "cas/tree_walker.h"
#include "execution/action_validation.h"
#include "fuzz_cas.h"
#include "fuzz_check.h"

namespace kiln {
namespace {

constexpr size_t kMaxDirectories = 64;

ExecuteLimits Limits() {
  ExecuteLimits limits;
  limits.max_message_bytes = 1 << 20;
  limits.input_tree.max_entries = 2000;
  limits.input_tree.max_bytes = int64_t{1} << 40;
  limits.input_tree.max_depth = 24;
  return limits;
}

// The tree expanded path by path, as staging would create it.
struct NaiveExpansion {
  fuzz::FuzzCas* cas;
  ExecuteLimits limits;
  ExpandedTreeSize size;
  bool clean = true;  // Complete, valid and within the limits.

  void Walk(const Digest& digest, uint64_t depth, const std::string& where) {
    if (!clean) return;
    size.depth = std::max(size.depth, depth);
    reapi::Directory directory;
    if (!ReadMessageBlob(*cas, digest, limits.max_message_bytes, "Directory", directory).ok() ||
        !ValidateDirectory(directory, DigestFunction::kSha256, where).ok()) {
      clean = false;
      return;
    }
    size.files += directory.files_size();
    size.symlinks += directory.symlinks_size();
    for (const auto& file : directory.files()) {
      Digest file_digest = *FromProto(DigestFunction::kSha256, file.digest(), "");
      if (!cas->Has(file_digest)) clean = false;
      size.bytes += static_cast<uint64_t>(file.digest().size_bytes());  // Each < 2^63: no overflow.
      if (size.bytes > static_cast<uint64_t>(limits.input_tree.max_bytes)) {
        clean = false;
        return;
      }
    }
    if (size.entries() > static_cast<uint64_t>(limits.input_tree.max_entries) ||
        size.depth > static_cast<uint64_t>(limits.input_tree.max_depth)) {
      clean = false;
    }
    for (const auto& child : directory.directories()) {
      ++size.directories;
      if (!clean) return;
      Walk(*FromProto(DigestFunction::kSha256, child.digest(), ""), depth + 1, where + "/" + child.name());
    }
  }
};

// The Directories GetTree returns, serialized, in order.
std::vector<std::string> WalkAll(fuzz::FuzzCas& cas, const Digest& root, int page_size) {
  std::vector<std::string> order;
  std::string token;
  for (int page = 0; page < 1000; ++page) {
    auto walker = TreeWalker::Start(&cas, root, token, Limits().max_message_bytes);
    if (!walker.ok()) {
      FUZZ_CHECK(walker.status().code() == StatusCode::kFailedPrecondition);
      return order;
    }
    auto next = (*walker)->NextPage(page_size, int64_t{1} << 30);
    if (!next.ok()) {
      FUZZ_CHECK(next.status().code() == StatusCode::kFailedPrecondition);
      return order;
    }
    for (const auto& directory : next->directories) {
      order.push_back(directory.SerializeAsString());
    }
    if (next->next_page_token.empty()) return order;
    token = next->next_page_token;
  }
  FUZZ_CHECK(false);  // More pages than directories.
  return order;
}

}  // namespace
}  // namespace kiln

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kiln;
  reapi::Tree tree;
  if (!tree.ParseFromArray(data, static_cast<int>(size))) return 0;
  std::vector<reapi::Directory> directories{tree.root()};
  for (const auto& child : tree.children()) {
    if (directories.size() == kMaxDirectories) break;
    directories.push_back(child);
  }
  const size_t count = directories.size();
  // Which Directory each remapped DirectoryNode names.
  std::vector<std::vector<std::pair<int, size_t>>> links(count);
  for (size_t i = 0; i < count; ++i) {
    for (int k = 0; k < directories[i].directories_size(); ++k) {
      const reapi::Digest& digest = directories[i].directories(k).digest();
      if (digest.hash().empty()) links[i].emplace_back(k, static_cast<uint64_t>(digest.size_bytes()) % count);
    }
  }
  // A digest names its message's size, which changes as digests are filled in: iterate to a
  // fixed point (a few rounds at most; a size left stale just makes that Directory missing).
  std::vector<int64_t> sizes(count, 0);
  for (int round = 0; round < 8; ++round) {
    bool changed = false;
    for (size_t i = 0; i < count; ++i) {
      for (const auto& [k, target] : links[i]) {
        *directories[i].mutable_directories(k)->mutable_digest() = ToProto(fuzz::SyntheticDigest('d', target, sizes[target]));
      }
    }
    for (size_t i = 0; i < count; ++i) {
      const auto now = static_cast<int64_t>(directories[i].ByteSizeLong());
      changed |= now != sizes[i];
      sizes[i] = now;
    }
    if (!changed) break;
  }
  fuzz::FuzzCas cas;
  for (size_t i = 0; i < count; ++i) cas.Put(fuzz::SyntheticDigest('d', i, sizes[i]), directories[i].SerializeAsString());
  const Digest root = fuzz::SyntheticDigest('d', 0, sizes[0]);

  reapi::Command command;
  command.add_arguments("/bin/true");
  const Digest command_digest = fuzz::SyntheticDigest('c', 0, static_cast<int64_t>(command.ByteSizeLong()));
  cas.Put(command_digest, command.SerializeAsString());
  reapi::Action action;
  *action.mutable_command_digest() = ToProto(command_digest);
  *action.mutable_input_root_digest() = ToProto(root);
  const Digest action_digest = fuzz::SyntheticDigest('a', 0, static_cast<int64_t>(action.ByteSizeLong()));
  cas.Put(action_digest, action.SerializeAsString());

  const ExecuteLimits limits = Limits();
  auto loaded = LoadAndValidateAction(cas, action_digest, limits);
  if (!loaded.ok()) {
    const StatusCode code = loaded.status().code();
    FUZZ_CHECK(code == StatusCode::kInvalidArgument || code == StatusCode::kFailedPrecondition);
  }
  NaiveExpansion naive{&cas, limits, {}, true};
  naive.Walk(root, 0, "input root");
  FUZZ_CHECK(loaded.ok() == naive.clean);
  if (loaded.ok()) {
    const ExpandedTreeSize& got = loaded->input_size;
    FUZZ_CHECK(got.files == naive.size.files && got.symlinks == naive.size.symlinks);
    FUZZ_CHECK(got.directories == naive.size.directories && got.bytes == naive.size.bytes);
    FUZZ_CHECK(got.depth == naive.size.depth);
  }

  // GetTree: one walk, then the same walk a page at a time.
  const std::vector<std::string> whole = WalkAll(cas, root, 1 << 20);
  FUZZ_CHECK(whole.size() <= count);
  FUZZ_CHECK(WalkAll(cas, root, 1 + static_cast<int>(count % 3)) == whole);
  return 0;
}
