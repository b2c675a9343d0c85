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
  AssetMapping Mapping(const Digest& digest) { return AssetMapping{digest, now_, std::nullopt, {}, {}, {}}; }
  std::optional<FoundAsset> Find(const std::vector<std::string>& uris, std::optional<WallTime> oldest = std::nullopt) {
    return index_.Find(scope_, uris, DigestFunction::kSha256, oldest, std::nullopt);
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
  const auto none = std::nullopt;
  EXPECT_FALSE(index_.Find({"other", AssetKind::kBlob, ""}, {"u"}, DigestFunction::kSha256, none, none).has_value());
  EXPECT_FALSE(index_.Find({"", AssetKind::kDirectory, ""}, {"u"}, DigestFunction::kSha256, none, none).has_value());
  EXPECT_FALSE(index_.Find({"", AssetKind::kBlob, "1:a1:b"}, {"u"}, DigestFunction::kSha256, none, none).has_value());
  EXPECT_FALSE(index_.Find(scope_, {"u"}, DigestFunction::kSha512, none, none).has_value());
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
  EXPECT_FALSE(index_.Find(directories, {"u"}, DigestFunction::kSha256, std::nullopt, std::nullopt).has_value());
  EXPECT_EQ(index_.FindMissingContent(AssetKind::kDirectory, Mapping(root)).size(), 1u);
  Store("file content");
  EXPECT_TRUE(index_.Find(directories, {"u"}, DigestFunction::kSha256, std::nullopt, std::nullopt).has_value());
}

TEST_F(AssetIndexTest, ATreeWithADirectoryOverTheMessageCapIsNotServed) {
  reapi::Directory directory;
  for (int i = 0; i < 20; ++i) {
    auto* file = directory.add_files();
    file->set_name("file" + std::to_string(100 + i));
    *file->mutable_digest() = ToProto(Store("content " + std::to_string(i)));
  }
  const Digest root = Store(directory.SerializeAsString());
  AssetIndex capped(&records_, &cas_, [this] { return now_; }, /*max_message_bytes=*/root.size() - 1);
  const AssetScope directories{"", AssetKind::kDirectory, ""};
  ASSERT_TRUE(capped.Record(directories, {"u"}, Mapping(root)).ok());
  EXPECT_EQ(capped.FindMissingContent(AssetKind::kDirectory, Mapping(root)), std::vector<Digest>{root});
  EXPECT_FALSE(capped.Find(directories, {"u"}, DigestFunction::kSha256, std::nullopt, std::nullopt).has_value());
  EXPECT_TRUE(index_.Find(directories, {"u"}, DigestFunction::kSha256, std::nullopt, std::nullopt).has_value())
      << "within the default cap the same tree is served";
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

// A fetch carrying checksum.sri is answered only by content that has it: the digest itself
// (same function), a checksum kiln verified, or a blob hashed here once.
TEST_F(AssetIndexTest, ChecksumsAreMatchedAgainstTheContentNotTheRecordKey) {
  const Digest good = Store("good");
  const Digest evil = Store("evil");
  const Sri sha256_of_good{DigestFunction::kSha256, good.hash()};
  ASSERT_TRUE(index_.Record(scope_, {"a"}, Mapping(good)).ok());
  ASSERT_TRUE(index_.Record(scope_, {"b"}, Mapping(evil)).ok());
  EXPECT_TRUE(index_.Find(scope_, {"a"}, DigestFunction::kSha256, std::nullopt, sha256_of_good).has_value());
  // "b" has a record, but not the content: the next URI is looked at instead.
  auto found = index_.Find(scope_, {"b", "a"}, DigestFunction::kSha256, std::nullopt, sha256_of_good);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->uri, "a");

  const Sri sha512_of_good{DigestFunction::kSha512, HashHex(DigestFunction::kSha512, "good")};
  EXPECT_TRUE(index_.Find(scope_, {"a"}, DigestFunction::kSha256, std::nullopt, sha512_of_good).has_value());
  EXPECT_FALSE(index_.Find(scope_, {"b"}, DigestFunction::kSha256, std::nullopt, sha512_of_good).has_value());
  // A directory cannot be hashed against an archive's checksum: only kiln's own
  // verification of the archive counts.
  const AssetScope directories{"", AssetKind::kDirectory, ""};
  const Digest tree = Store(reapi::Directory().SerializeAsString());
  const Sri archive_sri{DigestFunction::kSha256, HashHex(DigestFunction::kSha256, "the archive")};
  ASSERT_TRUE(index_.Record(directories, {"pushed"}, Mapping(tree)).ok());
  AssetMapping verified = Mapping(tree);
  verified.verified_checksum = archive_sri.ToString();
  ASSERT_TRUE(index_.Record(directories, {"fetched"}, verified).ok());
  EXPECT_FALSE(index_.Find(directories, {"pushed"}, DigestFunction::kSha256, std::nullopt, archive_sri).has_value());
  EXPECT_TRUE(index_.Find(directories, {"fetched"}, DigestFunction::kSha256, std::nullopt, archive_sri).has_value());
  EXPECT_TRUE(index_.Find(directories, {"pushed"}, DigestFunction::kSha256, std::nullopt, std::nullopt).has_value());
}

// Counts reads, to see that a blob is hashed for a checksum once, not on every fetch.
class CountingReads final : public BlobStore {
 public:
  explicit CountingReads(BlobStore* base) : base_(base) {}
  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override { return base_->FindMissing(digests); }
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override {
    ++reads;
    return base_->OpenRead(digest, offset);
  }
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override { return base_->OpenWrite(digest); }
  int reads = 0;

 private:
  BlobStore* base_;
};

TEST(AssetIndexChecksumTest, ABlobIsHashedForAChecksumOnce) {
  MemoryRecordStore records;
  MemoryBlobStore memory;
  CountingReads cas(&memory);
  AssetIndex index(&records, &cas, [] { return std::chrono::system_clock::now(); });
  const Digest digest = ComputeDigest(DigestFunction::kSha256, "content");
  ASSERT_TRUE(WriteBlob(memory, digest, "content").ok());
  const AssetScope scope{"", AssetKind::kBlob, ""};
  ASSERT_TRUE(index.Record(scope, {"u", "v"}, AssetMapping{digest, index.Now(), std::nullopt, {}, {}, {}}).ok());
  const Sri sri{DigestFunction::kSha384, HashHex(DigestFunction::kSha384, "content")};
  EXPECT_TRUE(index.Find(scope, {"u"}, DigestFunction::kSha256, std::nullopt, sri).has_value());
  EXPECT_EQ(cas.reads, 1);
  // Another record of the same digest: what was learnt is about the content.
  EXPECT_TRUE(index.Find(scope, {"v"}, DigestFunction::kSha256, std::nullopt, sri).has_value());
  EXPECT_EQ(cas.reads, 1);
  const Sri wrong{DigestFunction::kSha384, HashHex(DigestFunction::kSha384, "other")};
  EXPECT_FALSE(index.Find(scope, {"u"}, DigestFunction::kSha256, std::nullopt, wrong).has_value());
  EXPECT_EQ(cas.reads, 2);
}

}  // namespace
}  // namespace kiln
