// SelectableBlobStore: every call goes to the store selected last, and readers opened
// before a switch keep reading from their own store.
#include "cas/selectable_blob_store.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"

namespace kiln {
namespace {

TEST(SelectableBlobStoreTest, CallsGoToTheSelectedStore) {
  auto first = std::make_unique<MemoryBlobStore>();
  auto second = std::make_unique<MemoryBlobStore>();
  MemoryBlobStore* a = first.get();
  MemoryBlobStore* b = second.get();
  std::vector<std::unique_ptr<BlobStore>> stores;
  stores.push_back(std::move(first));
  stores.push_back(std::move(second));
  SelectableBlobStore store(std::move(stores));

  const Digest on_a = ComputeDigest(DigestFunction::kSha256, "on a");
  const Digest on_b = ComputeDigest(DigestFunction::kSha256, "on b");
  ASSERT_TRUE(WriteBlob(*a, on_a, "on a").ok());
  EXPECT_EQ(store.selected(), 0u);
  EXPECT_EQ(*ReadBlob(store, on_a), "on a");
  EXPECT_EQ(store.FindMissing({on_a, on_b}), std::vector<Digest>{on_b});
  auto opened_on_a = store.OpenRead(on_a, 0);
  ASSERT_TRUE(opened_on_a.ok());

  store.Select(1);
  EXPECT_EQ(store.selected(), 1u);
  EXPECT_EQ(ReadBlob(store, on_a).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(WriteBlob(store, on_b, "on b").ok());
  EXPECT_TRUE(ContainsBlob(*b, on_b));
  EXPECT_FALSE(ContainsBlob(*a, on_b));
  EXPECT_EQ(store.FindMissingConfirmed({on_a, on_b}), std::vector<Digest>{on_a});

  char buffer[16];
  auto n = (*opened_on_a)->Read(buffer, sizeof buffer);  // Still a's blob.
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buffer, *n), "on a");
}

}  // namespace
}  // namespace kiln
