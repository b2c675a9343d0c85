#include "asset/asset_index.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "common/proto_digest.h"

namespace kiln {
namespace {

class AssetIndexTest : public ::testing::Test {
 protected:
  AssetIndexTest() : index_(&records_, &cas_, [this] { return now_; }) {}

  Digest Store(std::string_view data) {
    Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    EXPECT_TRUE(WriteBlob(cas_, digest, data).ok());
    return digest;
  }
  AssetMapping Mapping(const Digest& digest) { return AssetMapping{digest, now_, std::nullopt, {}, {}}; }
  std::optional<FoundAsset> Find(const std::vector<std::string>& uris, std::optional<WallTime> oldest = std::nullopt) {
    return index_.Find(scope_, uris, DigestFunction::kSha256, oldest);
  }

  MemoryRecordStore records_;
  MemoryBlobStore cas_;
  WallTime now_ = WallTime(std::chrono::hours(24 * 365 * 50));
  AssetIndex index_;
  AssetScope scope_{"", AssetKind::kBlob, ""};
};

TEST_F(AssetIndexTest, FindsTheFirstRecordedUri) {
  Digest digest = Store("content");
  ASSERT_TRUE(index_.Record(scope_, {"https://b"}, Mapping(digest)).ok());
  auto found = Find({"https://a", "https://b"});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->uri, "https://b");
  EXPECT_EQ(found->mapping.digest, digest);
  EXPECT_FALSE(Find({"https://a"}).has_value());
}

TEST_F(AssetIndexTest, RecordsAreKeptApartByInstanceKindAndQualifiers) {
  ASSERT_TRUE(index_.Record(scope_, {"u"}, Mapping(Store("x"))).ok());
  EXPECT_FALSE(index_.Find({"other", AssetKind::kBlob, ""}, {"u"}, DigestFunction::kSha256, std::nullopt).has_value());
  EXPECT_FALSE(index_.Find({"", AssetKind::kDirectory, ""}, {"u"}, DigestFunction::kSha256, std::nullopt).has_value());
  EXPECT_FALSE(index_.Find({"", AssetKind::kBlob, "1:a1:b"}, {"u"}, DigestFunction::kSha256, std::nullopt).has_value());
  EXPECT_FALSE(index_.Find(scope_, {"u"}, DigestFunction::kSha512, std::nullopt).has_value());
}

TEST_F(AssetIndexTest, ExpiredMappingsAreNotServed) {
  AssetMapping mapping = Mapping(Store("x"));
  mapping.expire_at = now_ + std::chrono::minutes(1);
  ASSERT_TRUE(index_.Record(scope_, {"u"}, mapping).ok());
  EXPECT_TRUE(Find({"u"}).has_value());
  now_ += std::chrono::minutes(2);
  EXPECT_FALSE(Find({"u"}).has_value());
}

TEST_F(AssetIndexTest, OldestContentAcceptedSkipsOlderRecords) {
  ASSERT_TRUE(index_.Record(scope_, {"u"}, Mapping(Store("x"))).ok());
  EXPECT_TRUE(Find({"u"}, now_).has_value());
  EXPECT_FALSE(Find({"u"}, now_ + std::chrono::seconds(1)).has_value());
}

TEST_F(AssetIndexTest, MappingsWhoseContentLeftTheCasAreNotServed) {
  Digest absent = ComputeDigest(DigestFunction::kSha256, "never stored");
  ASSERT_TRUE(index_.Record(scope_, {"u"}, Mapping(absent)).ok());
  EXPECT_FALSE(Find({"u"}).has_value());
  Store("never stored");
  EXPECT_TRUE(Find({"u"}).has_value());

  AssetMapping with_reference = Mapping(Store("y"));
  with_reference.references_blobs = {ComputeDigest(DigestFunction::kSha256, "referenced")};
  ASSERT_TRUE(index_.Record(scope_, {"v"}, with_reference).ok());
  EXPECT_FALSE(Find({"v"}).has_value());
  Store("referenced");
  EXPECT_TRUE(Find({"v"}).has_value());
}

TEST_F(AssetIndexTest, DirectoryMappingsNeedTheWholeTree) {
  reapi::Directory directory;
  auto* file = directory.add_files();
  file->set_name("f");
  *file->mutable_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, "file content"));
  Digest root = Store(directory.SerializeAsString());
  const AssetScope directories{"", AssetKind::kDirectory, ""};
  ASSERT_TRUE(index_.Record(directories, {"u"}, Mapping(root)).ok());
  EXPECT_FALSE(index_.Find(directories, {"u"}, DigestFunction::kSha256, std::nullopt).has_value());
  EXPECT_EQ(index_.FindMissingContent(AssetKind::kDirectory, Mapping(root)).size(), 1u);
  Store("file content");
  EXPECT_TRUE(index_.Find(directories, {"u"}, DigestFunction::kSha256, std::nullopt).has_value());
}

TEST_F(AssetIndexTest, ChecksumRecordsFindContentByHash) {
  Digest digest = Store("hello");
  Sri sri{DigestFunction::kSha256, digest.hash()};
  EXPECT_FALSE(index_.FindByChecksum("", sri, DigestFunction::kSha256, std::nullopt).has_value());
  ASSERT_TRUE(index_.RecordChecksum("", sri, Mapping(digest)).ok());
  auto found = index_.FindByChecksum("", sri, DigestFunction::kSha256, std::nullopt);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->digest, digest);
}

}  // namespace
}  // namespace kiln
