#include "cas/swappable_blob_store.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"

namespace kiln {
namespace {

Digest DigestOf(const std::string& data) { return ComputeDigest(DigestFunction::kSha256, data); }

TEST(SwappableBlobStoreTest, WithoutAStoreEveryCallSaysWhy) {
  SwappableBlobStore store(Status::Unavailable("no storage node yet"));
  const Digest digest = DigestOf("a");
  EXPECT_EQ(store.OpenRead(digest, 0).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.OpenWrite(digest).status().message(), "no storage node yet");
  EXPECT_EQ(store.FindMissingOrError({digest}).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.FindMissing({digest}), std::vector<Digest>{digest});
}

TEST(SwappableBlobStoreTest, CallsGoToTheCurrentStore) {
  SwappableBlobStore store(Status::Unavailable("none"));
  auto first = std::make_shared<MemoryBlobStore>();
  auto second = std::make_shared<MemoryBlobStore>();
  ASSERT_TRUE(WriteBlob(*first, DigestOf("one"), "one").ok());
  EXPECT_EQ(store.Replace(first), nullptr);
  EXPECT_EQ(ReadBlob(store, DigestOf("one")).value(), "one");
  EXPECT_EQ(store.Replace(second), first);
  EXPECT_EQ(ReadBlob(store, DigestOf("one")).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(WriteBlob(store, DigestOf("two"), "two").ok());
  EXPECT_TRUE(ContainsBlob(*second, DigestOf("two")));
  EXPECT_TRUE(store.FindMissing({DigestOf("two")}).empty());
}

TEST(SwappableBlobStoreTest, ATransferInProgressKeepsItsStoreAfterAReplace) {
  SwappableBlobStore store(Status::Unavailable("none"));
  auto first = std::make_shared<MemoryBlobStore>();
  ASSERT_TRUE(WriteBlob(*first, DigestOf("kept"), "kept").ok());
  std::weak_ptr<MemoryBlobStore> watch = first;
  store.Replace(std::move(first));
  auto reader = store.OpenRead(DigestOf("kept"), 0);
  auto writer = store.OpenWrite(DigestOf("late"));
  ASSERT_TRUE(reader.ok() && writer.ok());
  // Replaced, and the replaced store dropped by whoever held it: the open reader and writer
  // still hold it.
  store.Replace(std::make_shared<MemoryBlobStore>()).reset();
  EXPECT_FALSE(watch.expired());
  char buffer[16];
  auto got = (*reader)->Read(buffer, sizeof(buffer));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(std::string(buffer, *got), "kept");
  ASSERT_TRUE((*writer)->Write("late").ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_TRUE(ContainsBlob(*watch.lock(), DigestOf("late")));
  reader->reset();
  writer->reset();
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace kiln
