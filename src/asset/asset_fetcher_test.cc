#include "asset/asset_fetcher.h"

#include <gtest/gtest.h>

#include "testing/fake_downloader.h"
#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

class AssetFetcherTest : public ::testing::Test {
 protected:
  AssetFetcherTest()
      : index_(&records_, &cas_, [] { return std::chrono::system_clock::now(); }),
        fetcher_(&index_, &cas_, &downloader_, nullptr, AssetFetcherOptions{temp_.path()}) {}

  AssetFetchResult Fetch(std::vector<std::string> uris, std::optional<Sri> checksum = std::nullopt) {
    AssetFetchRequest request;
    request.uris = std::move(uris);
    request.qualifiers.checksum = std::move(checksum);
    auto result = fetcher_.Fetch(request);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : AssetFetchResult{};
  }

  TempDir temp_;
  MemoryRecordStore records_;
  MemoryBlobStore cas_;
  FakeDownloader downloader_;
  AssetIndex index_;
  AssetFetcher fetcher_;
};

TEST_F(AssetFetcherTest, DownloadsIntoTheCasAndServesTheNextFetchFromIt) {
  downloader_.Serve("https://origin/a", "the content");
  AssetFetchResult first = Fetch({"https://origin/a"});
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  EXPECT_EQ(first.digest, ComputeDigest(DigestFunction::kSha256, "the content"));
  EXPECT_EQ(*ReadBlob(cas_, first.digest), "the content");

  AssetFetchResult second = Fetch({"https://origin/a"});
  EXPECT_TRUE(second.status.ok());
  EXPECT_EQ(second.digest, first.digest);
  EXPECT_EQ(downloader_.requests(), 1);
}

TEST_F(AssetFetcherTest, TriesUrisInOrderAndReportsEveryFailure) {
  downloader_.Fail("https://down/a", Status::Unavailable("connection refused"));
  downloader_.Serve("https://mirror/a", "x");
  AssetFetchResult result = Fetch({"https://down/a", "https://mirror/a"});
  EXPECT_TRUE(result.status.ok());
  EXPECT_EQ(result.uri, "https://mirror/a");

  AssetFetchResult failed = Fetch({"https://down/a", "https://missing/b"});
  EXPECT_EQ(failed.status.code(), StatusCode::kNotFound);
  EXPECT_EQ(failed.uri, "https://missing/b");
  EXPECT_NE(failed.status.message().find("https://down/a: connection refused"), std::string::npos);
  EXPECT_NE(failed.status.message().find("https://missing/b: HTTP status 404"), std::string::npos);
}

TEST_F(AssetFetcherTest, ChecksumMismatchStoresNothing) {
  downloader_.Serve("https://origin/a", "tampered");
  AssetFetchResult result = Fetch({"https://origin/a"}, Sri{DigestFunction::kSha256, HashHex(DigestFunction::kSha256, "good")});
  EXPECT_EQ(result.status.code(), StatusCode::kAborted);
  EXPECT_NE(result.status.message().find("checksum.sri"), std::string::npos) << result.status.message();
  EXPECT_EQ(cas_.blob_count(), 0u);
}

TEST_F(AssetFetcherTest, ChecksumWithAnotherFunctionIsVerifiedToo) {
  downloader_.Serve("https://origin/a", "good");
  AssetFetchResult result = Fetch({"https://origin/a"}, Sri{DigestFunction::kSha512, HashHex(DigestFunction::kSha512, "good")});
  EXPECT_TRUE(result.status.ok()) << result.status.ToString();
  EXPECT_EQ(result.digest, ComputeDigest(DigestFunction::kSha256, "good"));
}

TEST_F(AssetFetcherTest, KnownChecksumIsServedWithoutDownloading) {
  downloader_.Serve("https://origin/a", "good");
  const Sri sri{DigestFunction::kSha256, HashHex(DigestFunction::kSha256, "good")};
  ASSERT_TRUE(Fetch({"https://origin/a"}, sri).status.ok());
  AssetFetchResult other_uri = Fetch({"https://elsewhere/b"}, sri);
  EXPECT_TRUE(other_uri.status.ok());
  EXPECT_EQ(other_uri.uri, "https://elsewhere/b");
  EXPECT_EQ(downloader_.requests(), 1);
}

TEST_F(AssetFetcherTest, UnsupportedQualifiersAreRejectedUnlessPushed) {
  AssetFetchRequest request;
  request.uris = {"https://origin/a"};
  request.qualifiers.unsupported = {"mystery"};
  request.qualifiers.identity = "7:mystery1:x";
  auto rejected = fetcher_.Fetch(request);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rejected.status().message().find("\"mystery\" not supported"), std::string::npos);

  Digest digest = ComputeDigest(DigestFunction::kSha256, "pushed");
  ASSERT_TRUE(WriteBlob(cas_, digest, "pushed").ok());
  const AssetScope scope{"", AssetKind::kBlob, request.qualifiers.identity};
  ASSERT_TRUE(index_.Record(scope, request.uris, AssetMapping{digest, index_.Now(), std::nullopt, {}, {}}).ok());
  auto served = fetcher_.Fetch(request);
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ(served->digest, digest);
  EXPECT_EQ(downloader_.requests(), 0);
}

TEST_F(AssetFetcherTest, UrisThatCannotBeDownloadedAreNotFound) {
  AssetFetchResult result = Fetch({"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"});
  EXPECT_EQ(result.status.code(), StatusCode::kNotFound);
  EXPECT_EQ(downloader_.requests(), 0);
}

TEST_F(AssetFetcherTest, StoppedFetcherGivesUp) {
  downloader_.Serve("https://origin/a", "x");
  fetcher_.Stop();
  EXPECT_EQ(Fetch({"https://origin/a", "https://origin/b"}).status.code(), StatusCode::kCancelled);
  EXPECT_EQ(downloader_.requests(), 0);
}

}  // namespace
}  // namespace kiln
