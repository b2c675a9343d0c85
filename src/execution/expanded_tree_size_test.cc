// The expanded size of Directory DAGs: exact counts where subtrees are shared, a doubling
// DAG summed from its 31 distinct Directories (expanding it would take 2^31 steps),
// saturation, cycles, and the messages that name each limit and figure.
#include "execution/expanded_tree_size.h"

#include <gtest/gtest.h>

#include <map>

#include "common/hasher.h"

namespace kiln {
namespace {

Digest DigestOf(const reapi::Directory& directory) {
  return ComputeDigest(DigestFunction::kSha256, directory.SerializeAsString());
}

void AddFile(reapi::Directory& directory, const std::string& name, int64_t size) {
  auto* file = directory.add_files();
  file->set_name(name);
  *file->mutable_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, std::string(static_cast<size_t>(size), 'x')));
}

void AddChild(reapi::Directory& directory, const std::string& name, const Digest& child) {
  auto* node = directory.add_directories();
  node->set_name(name);
  *node->mutable_digest() = ToProto(child);
}

// Level 0 holds one 10-byte file; level k names level k-1 twice ("a" and "b"). Returns
// the root's digest after adding every level to `sizer`.
Digest AddDoublingDag(ExpandedTreeSizer& sizer, int levels) {
  reapi::Directory level;
  AddFile(level, "leaf", 10);
  Digest digest = DigestOf(level);
  sizer.Add(digest, level);
  for (int i = 1; i <= levels; ++i) {
    reapi::Directory parent;
    AddChild(parent, "a", digest);
    AddChild(parent, "b", digest);
    digest = DigestOf(parent);
    sizer.Add(digest, parent);
  }
  return digest;
}

TEST(ExpandedTreeSizeTest, CountsSharedSubtreesOncePerPath) {
  // root/{x.txt, lib -> L, inc/{lib -> L, link}, also_lib -> L}; L = {a, b (5 bytes each), s -> "a"}.
  reapi::Directory lib;
  AddFile(lib, "a", 5);
  AddFile(lib, "b", 5);
  lib.add_symlinks()->set_name("s");
  lib.mutable_symlinks(0)->set_target("a");
  const Digest lib_digest = DigestOf(lib);
  reapi::Directory inc;
  AddChild(inc, "lib", lib_digest);
  inc.add_symlinks()->set_name("link");
  inc.mutable_symlinks(0)->set_target("lib/a");
  const Digest inc_digest = DigestOf(inc);
  reapi::Directory root;
  AddFile(root, "x.txt", 3);
  AddChild(root, "also_lib", lib_digest);
  AddChild(root, "inc", inc_digest);
  AddChild(root, "lib", lib_digest);
  const Digest root_digest = DigestOf(root);

  ExpandedTreeSizer sizer;
  sizer.Add(root_digest, root);
  sizer.Add(inc_digest, inc);
  sizer.Add(lib_digest, lib);
  auto size = sizer.Compute(root_digest);
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(size->files, 1u + 3 * 2);        // x.txt, and a and b under each of the 3 paths to L.
  EXPECT_EQ(size->symlinks, 3u + 1);          // s under each path to L, and inc/link.
  EXPECT_EQ(size->directories, 4u);           // also_lib, inc, inc/lib, lib.
  EXPECT_EQ(size->bytes, 3u + 3 * 10);
  EXPECT_EQ(size->depth, 2u);                 // inc/lib.
  EXPECT_EQ(size->entries(), 7u + 4 + 4);
  // Each distinct Directory once: the lower bound a partial walk can prove.
  EXPECT_EQ(sizer.distinct_sum().files, 3u);
  EXPECT_EQ(sizer.distinct_sum().directories, 4u);  // Child entries: 3 in root, 1 in inc.
  EXPECT_EQ(sizer.distinct_sum().bytes, 13u);
  // A subtree is measured on its own too.
  auto inc_size = sizer.Compute(inc_digest);
  ASSERT_TRUE(inc_size.ok());
  EXPECT_EQ(inc_size->files, 2u);
  EXPECT_EQ(inc_size->depth, 1u);
}

TEST(ExpandedTreeSizeTest, ALeafRootHasDepthZeroAndAnUnknownRootIsEmpty) {
  reapi::Directory root;
  AddFile(root, "f", 1);
  ExpandedTreeSizer sizer;
  sizer.Add(DigestOf(root), root);
  auto size = sizer.Compute(DigestOf(root));
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->depth, 0u);
  EXPECT_EQ(size->directories, 0u);
  EXPECT_EQ(size->files, 1u);
  auto unknown = sizer.Compute(ComputeDigest(DigestFunction::kSha256, "never added"));
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->entries(), 0u);
}

TEST(ExpandedTreeSizeTest, ThirtyLevelDoublingDagIsSummedFromItsDistinctDirectoriesAndRefused) {
  ExpandedTreeSizer sizer;
  const Digest root = AddDoublingDag(sizer, 30);
  // 31 distinct Directories: expanding them would visit 2^31 - 1.
  EXPECT_EQ(sizer.distinct_sum().directories, 60u);
  auto size = sizer.Compute(root);
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(size->files, uint64_t{1} << 30);
  EXPECT_EQ(size->directories, (uint64_t{1} << 31) - 2);
  EXPECT_EQ(size->bytes, uint64_t{10} << 30);
  EXPECT_EQ(size->depth, 30u);

  Status refused = CheckInputTreeLimits(*size, InputTreeLimits());
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(),
            "the input tree expands to 3221225470 files, directories and symlinks (1073741824 files, "
            "2147483646 directories, 0 symlinks), over the limit of 1000000 (--max-input-files)");
}

TEST(ExpandedTreeSizeTest, SumsSaturateInsteadOfOverflowing) {
  ExpandedTreeSizer sizer;
  const Digest root = AddDoublingDag(sizer, 70);  // 2^70 files.
  auto size = sizer.Compute(root);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->files, kSaturated);
  EXPECT_EQ(size->directories, kSaturated);
  EXPECT_EQ(size->bytes, kSaturated);
  EXPECT_EQ(size->entries(), kSaturated);
  EXPECT_EQ(size->depth, 70u);
  Status refused = CheckInputTreeLimits(*size, InputTreeLimits());
  EXPECT_NE(refused.message().find("expands to 18446744073709551615 or more files"), std::string::npos)
      << refused.message();
}

TEST(ExpandedTreeSizeTest, EachLimitIsNamedWithItsFigure) {
  ExpandedTreeSize size;
  size.files = 10;
  size.bytes = 5000;
  size.depth = 7;
  InputTreeLimits limits;
  EXPECT_TRUE(CheckInputTreeLimits(size, limits).ok());

  limits.max_bytes = 4999;
  Status bytes = CheckInputTreeLimits(size, limits);
  EXPECT_EQ(bytes.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(bytes.message(),
            "the input tree expands to 5000 bytes of files, over the limit of 4999 bytes (--max-input-bytes)");

  limits.max_bytes = 5000;
  limits.max_depth = 6;
  Status depth = CheckInputTreeLimits(size, limits, /*at_least=*/true);
  EXPECT_EQ(depth.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(depth.message(), "the input tree is at least 7 directories deep, over the limit of 6 (--max-input-depth)");

  limits.max_depth = 7;
  limits.max_entries = 9;
  Status entries = CheckInputTreeLimits(size, limits, /*at_least=*/true);
  EXPECT_EQ(entries.message(),
            "the input tree expands to at least 10 files, directories and symlinks (10 files, 0 directories, "
            "0 symlinks), over the limit of 9 (--max-input-files)");
  limits.max_entries = 10;
  EXPECT_TRUE(CheckInputTreeLimits(size, limits).ok()) << "limits are inclusive";
}

TEST(ExpandedTreeSizeTest, ACycleIsInvalidNotAHang) {
  // Impossible with honest hashing; the sizer does not check digests, so it can be built.
  const Digest a = ComputeDigest(DigestFunction::kSha256, "a");
  const Digest b = ComputeDigest(DigestFunction::kSha256, "b");
  reapi::Directory names_b, names_a;
  AddChild(names_b, "b", b);
  AddChild(names_a, "a", a);
  ExpandedTreeSizer sizer;
  sizer.Add(a, names_b);
  sizer.Add(b, names_a);
  auto size = sizer.Compute(a);
  EXPECT_EQ(size.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(size.status().message().find("contains itself"), std::string::npos) << size.status().message();
}

}  // namespace
}  // namespace kiln
