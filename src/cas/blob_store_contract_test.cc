// The behaviour every BlobStore must have, run against each implementation.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "cas/disk_blob_store.h"
#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<BlobStore>(const std::string& dir)> make;
};

class BlobStoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override { store_ = GetParam().make(dir_.path()); }
  TempDir dir_;
  std::unique_ptr<BlobStore> store_;
};

TEST_P(BlobStoreContractTest, WrittenBlobIsFoundAndReadsBack) {
  Digest digest = ComputeDigest(DigestFunction::kSha256, "hello world");
  EXPECT_EQ(store_->FindMissing({digest}).size(), 1u);
  ASSERT_TRUE(WriteBlob(*store_, digest, "hello world").ok());
  EXPECT_TRUE(store_->FindMissing({digest}).empty());
  EXPECT_EQ(*ReadBlob(*store_, digest), "hello world");
}

TEST_P(BlobStoreContractTest, EmptyBlobIsAlwaysPresent) {
  for (DigestFunction function : kAllDigestFunctions) {
    Digest empty = Digest::Empty(function);
    EXPECT_TRUE(store_->FindMissing({empty}).empty());
    EXPECT_EQ(*ReadBlob(*store_, empty), "");
  }
}

TEST_P(BlobStoreContractTest, WrongDataIsRejectedAndNothingIsStored) {
  Digest digest = ComputeDigest(DigestFunction::kSha256, "expected");
  auto writer = store_->OpenWrite(digest);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("unexpect").ok());  // Same length, different bytes.
  Status status = (*writer)->Commit();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("hashes to"), std::string::npos) << status.message();
  EXPECT_EQ(store_->FindMissing({digest}).size(), 1u);
  EXPECT_EQ(ReadBlob(*store_, digest).status().code(), StatusCode::kNotFound);
}

TEST_P(BlobStoreContractTest, TooManyOrTooFewBytesAreRejected) {
  Digest digest = ComputeDigest(DigestFunction::kSha256, "abc");
  auto long_writer = store_->OpenWrite(digest);
  EXPECT_EQ((*long_writer)->Write("abcd").code(), StatusCode::kInvalidArgument);
  auto short_writer = store_->OpenWrite(digest);
  ASSERT_TRUE((*short_writer)->Write("ab").ok());
  EXPECT_EQ((*short_writer)->Commit().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(ContainsBlob(*store_, digest));
}

TEST_P(BlobStoreContractTest, AbandonedWriterLeavesNothing) {
  Digest digest = ComputeDigest(DigestFunction::kSha256, "abandoned");
  {
    auto writer = store_->OpenWrite(digest);
    ASSERT_TRUE((*writer)->Write("abandoned").ok());
  }
  EXPECT_FALSE(ContainsBlob(*store_, digest));
}

TEST_P(BlobStoreContractTest, ReadsFromAnOffset) {
  Digest digest = ComputeDigest(DigestFunction::kSha256, "0123456789");
  ASSERT_TRUE(WriteBlob(*store_, digest, "0123456789").ok());
  auto reader = store_->OpenRead(digest, 4);
  ASSERT_TRUE(reader.ok());
  char buffer[16];
  auto n = (*reader)->Read(buffer, sizeof(buffer));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buffer, *n), "456789");
  EXPECT_EQ(*(*reader)->Read(buffer, sizeof(buffer)), 0u);
  EXPECT_EQ(store_->OpenRead(digest, 11).status().code(), StatusCode::kOutOfRange);
}

TEST_P(BlobStoreContractTest, SameHashWithOtherSizeIsMissing) {
  Digest digest = ComputeDigest(DigestFunction::kSha256, "sized");
  ASSERT_TRUE(WriteBlob(*store_, digest, "sized").ok());
  Digest wrong_size = *Digest::Create(DigestFunction::kSha256, digest.hash(), 6);
  EXPECT_EQ(store_->FindMissing({wrong_size}).size(), 1u);
  EXPECT_EQ(store_->OpenRead(wrong_size, 0).status().code(), StatusCode::kNotFound);
}

TEST_P(BlobStoreContractTest, DigestFunctionsAreSeparateNamespaces) {
  Digest sha1 = ComputeDigest(DigestFunction::kSha1, "data");
  Digest md5 = ComputeDigest(DigestFunction::kMd5, "data");
  ASSERT_TRUE(WriteBlob(*store_, sha1, "data").ok());
  EXPECT_TRUE(ContainsBlob(*store_, sha1));
  EXPECT_FALSE(ContainsBlob(*store_, md5));
  ASSERT_TRUE(WriteBlob(*store_, md5, "data").ok());
  EXPECT_EQ(*ReadBlob(*store_, md5), "data");
}

TEST_P(BlobStoreContractTest, StreamsALargeBlobInChunks) {
  std::string data(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i % 251);
  Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  auto writer = store_->OpenWrite(digest);
  for (size_t offset = 0; offset < data.size(); offset += 16384) {
    ASSERT_TRUE((*writer)->Write(std::string_view(data).substr(offset, 16384)).ok());
  }
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(*ReadBlob(*store_, digest), data);
}

// What a ByteStream Read sends: the blob from the offset on, lent in chunks of at most
// the size asked for, whether the store lends its own memory or copies.
TEST_P(BlobStoreContractTest, LendsTheBlobForSendingFromAnOffset) {
  for (size_t size : {size_t{10}, size_t{2} * 1024 * 1024 + 5}) {
    SCOPED_TRACE(size);
    std::string data(size, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i % 253);
    Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    ASSERT_TRUE(WriteBlob(*store_, digest, data).ok());
    auto reader = store_->OpenRead(digest, 3);
    ASSERT_TRUE(reader.ok());
    std::string sent;
    while (true) {
      auto lent = (*reader)->ReadForSending(1024 * 1024);
      ASSERT_TRUE(lent.ok()) << lent.status().ToString();
      if (lent->size == 0) break;
      ASSERT_LE(lent->size, 1024u * 1024u);
      sent.append(lent->data, lent->size);
    }
    EXPECT_EQ(sent, data.substr(3));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Stores, BlobStoreContractTest,
    ::testing::Values(
        StoreFactory{"Memory", [](const std::string&) { return std::make_unique<MemoryBlobStore>(); }},
        StoreFactory{"Disk",
                     [](const std::string& dir) -> std::unique_ptr<BlobStore> {
                       DiskBlobStoreOptions options;
                       options.root = dir;
                       return std::move(DiskBlobStore::Open(options)).value();
                     }},
        // Every blob through O_DIRECT (normally only blobs of 1 MiB and more).
        StoreFactory{"DiskDirectIo",
                     [](const std::string& dir) -> std::unique_ptr<BlobStore> {
                       DiskBlobStoreOptions options;
                       options.root = dir;
                       options.direct_write_min_bytes = 1;
                       return std::move(DiskBlobStore::Open(options)).value();
                     }}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace kiln
