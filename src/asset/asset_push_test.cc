#include "asset/asset_push.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"

namespace kiln {
namespace {

class AssetPushTest : public ::testing::Test {
 protected:
  AssetPushRequest Request(std::string_view content) {
    AssetPushRequest request;
    request.scope = AssetScope{"", AssetKind::kBlob, ""};
    request.uris = {"urn:example:a", "urn:example:b"};
    request.mapping.digest = ComputeDigest(DigestFunction::kSha256, content);
    return request;
  }
  bool Found(const std::string& uri) {
    return index_.Find({"", AssetKind::kBlob, ""}, {uri}, DigestFunction::kSha256, std::nullopt, std::nullopt)
        .has_value();
  }

  MemoryRecordStore records_;
  MemoryBlobStore cas_;
  WallTime now_ = WallTime(std::chrono::hours(1000));
  AssetIndex index_{&records_, &cas_, [this] { return now_; }};
};

TEST_F(AssetPushTest, RecordsEveryUriWithThePushTime) {
  ASSERT_TRUE(WriteBlob(cas_, ComputeDigest(DigestFunction::kSha256, "x"), "x").ok());
  ASSERT_TRUE(RecordPush(index_, Request("x")).ok());
  EXPECT_TRUE(Found("urn:example:a"));
  EXPECT_TRUE(Found("urn:example:b"));
  auto found =
      index_.Find({"", AssetKind::kBlob, ""}, {"urn:example:a"}, DigestFunction::kSha256, std::nullopt, std::nullopt);
  EXPECT_EQ(found->mapping.recorded_at, now_);
}

TEST_F(AssetPushTest, MissingContentIsRefusedAndNamed) {
  Status status = RecordPush(index_, Request("absent"));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  const Digest absent = ComputeDigest(DigestFunction::kSha256, "absent");
  EXPECT_NE(status.message().find(absent.ToString()), std::string::npos) << status.message();
  EXPECT_EQ(status.missing_blobs(), std::vector<std::string>{"blobs/" + absent.ToString()});
  EXPECT_FALSE(Found("urn:example:a"));
}

TEST_F(AssetPushTest, ChecksumMustAgreeWithTheDigestAndIsIndexed) {
  ASSERT_TRUE(WriteBlob(cas_, ComputeDigest(DigestFunction::kSha256, "x"), "x").ok());
  AssetPushRequest wrong = Request("x");
  wrong.checksum = Sri{DigestFunction::kSha256, HashHex(DigestFunction::kSha256, "y")};
  EXPECT_EQ(RecordPush(index_, wrong).code(), StatusCode::kInvalidArgument);

  AssetPushRequest right = Request("x");
  right.checksum = Sri{DigestFunction::kSha256, HashHex(DigestFunction::kSha256, "x")};
  ASSERT_TRUE(RecordPush(index_, right).ok());
  EXPECT_TRUE(index_.FindByChecksum("", *right.checksum, DigestFunction::kSha256, std::nullopt).has_value());
}

}  // namespace
}  // namespace kiln
