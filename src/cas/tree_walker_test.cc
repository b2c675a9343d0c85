#include "cas/tree_walker.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "testing/read_counting_store.h"

namespace kiln {
namespace {

// Stores `directory` and returns its digest.
Digest Put(BlobStore& store, const reapi::Directory& directory) {
  std::string bytes = directory.SerializeAsString();
  Digest digest = ComputeDigest(DigestFunction::kSha256, bytes);
  EXPECT_TRUE(WriteBlob(store, digest, bytes).ok());
  return digest;
}

reapi::Directory WithChildren(const std::vector<std::pair<std::string, Digest>>& children) {
  reapi::Directory directory;
  for (const auto& [name, digest] : children) {
    auto* node = directory.add_directories();
    node->set_name(name);
    *node->mutable_digest() = ToProto(digest);
  }
  return directory;
}

reapi::Directory Leaf(const std::string& file) {
  reapi::Directory directory;
  auto* node = directory.add_files();
  node->set_name(file);
  *node->mutable_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, file));
  return directory;
}

std::vector<reapi::Directory> WalkAll(BlobStore& store, const Digest& root, int page_size,
                                      std::vector<std::string>* tokens = nullptr) {
  auto walker = TreeWalker::Start(&store, root, "");
  EXPECT_TRUE(walker.ok());
  std::vector<reapi::Directory> all;
  while (!(*walker)->done()) {
    auto page = (*walker)->NextPage(page_size, 1 << 20);
    EXPECT_TRUE(page.ok());
    for (auto& d : page->directories) all.push_back(d);
    if (tokens) tokens->push_back(page->next_page_token);
  }
  return all;
}

TEST(TreeWalkerTest, ReturnsEveryDistinctDirectoryOnce) {
  MemoryBlobStore store;
  Digest shared = Put(store, Leaf("shared.txt"));
  Digest a = Put(store, WithChildren({{"s", shared}}));
  Digest b = Put(store, WithChildren({{"t", shared}}));
  Digest root = Put(store, WithChildren({{"a", a}, {"b", b}}));
  auto all = WalkAll(store, root, 100);
  ASSERT_EQ(all.size(), 4u);  // root, a, b, shared (once).
  EXPECT_EQ(all[0].directories_size(), 2);
}

TEST(TreeWalkerTest, PageTokensResumeTheSameOrder) {
  MemoryBlobStore store;
  std::vector<std::pair<std::string, Digest>> children;
  for (int i = 0; i < 5; ++i) children.push_back({"d" + std::to_string(i), Put(store, Leaf("f" + std::to_string(i)))});
  Digest root = Put(store, WithChildren(children));
  std::vector<std::string> tokens;
  auto all = WalkAll(store, root, 2, &tokens);
  ASSERT_EQ(all.size(), 6u);
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens.back(), "");
  auto resumed = TreeWalker::Start(&store, root, tokens[0]);
  ASSERT_TRUE(resumed.ok());
  auto page = (*resumed)->NextPage(100, 1 << 20);
  ASSERT_EQ(page->directories.size(), 4u);
  EXPECT_EQ(page->directories[0].SerializeAsString(), all[2].SerializeAsString());
}

TEST(TreeWalkerTest, MissingRootIsNotFoundAndMissingSubtreesAreSkipped) {
  MemoryBlobStore store;
  Digest absent = ComputeDigest(DigestFunction::kSha256, "absent directory");
  EXPECT_EQ(TreeWalker::Start(&store, absent, "").status().code(), StatusCode::kNotFound);
  Digest present = Put(store, Leaf("x"));
  Digest root = Put(store, WithChildren({{"gone", absent}, {"here", present}}));
  EXPECT_EQ(WalkAll(store, root, 10).size(), 2u);
}

TEST(TreeWalkerTest, DirectoriesOverTheMessageCapAreRefusedUnread) {
  MemoryBlobStore memory;
  testing::ReadCountingStore store(&memory);
  reapi::Directory big;
  for (int i = 0; i < 30; ++i) *big.add_files() = Leaf("file" + std::to_string(100 + i)).files(0);
  const Digest big_digest = Put(memory, big);
  const int64_t cap = big_digest.size() - 1;
  auto root_refused = TreeWalker::Start(&store, big_digest, "", cap);
  EXPECT_EQ(root_refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(root_refused.status().message().find("(--max-message-bytes)"), std::string::npos)
      << root_refused.status().message();

  const Digest root = Put(memory, WithChildren({{"big", big_digest}, {"small", Put(memory, Leaf("x"))}}));
  auto walker = TreeWalker::Start(&store, root, "", cap);
  ASSERT_TRUE(walker.ok()) << walker.status().ToString();
  auto page = (*walker)->NextPage(10, 1 << 20);
  EXPECT_EQ(page.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store.reads_of(big_digest), 0);
  // With the default cap, the same tree is walked whole.
  EXPECT_EQ(WalkAll(memory, root, 10).size(), 3u);
}

TEST(TreeWalkerTest, RejectsForeignPageTokens) {
  MemoryBlobStore store;
  Digest root = Put(store, Leaf("x"));
  EXPECT_EQ(TreeWalker::Start(&store, root, "garbage").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(TreeWalker::Start(&store, root, "v1:abc").status().code(), StatusCode::kInvalidArgument);
}

TEST(TreeWalkerTest, EmptyDirectoryRootIsAlwaysPresent) {
  MemoryBlobStore store;
  auto all = WalkAll(store, Digest::Empty(DigestFunction::kSha256), 10);
  EXPECT_EQ(all.size(), 1u);
}

}  // namespace
}  // namespace kiln
