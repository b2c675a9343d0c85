// The fetcher's defences: records that do not match a fetch's checksum.sri are not served
// (pushed ones included), archive bombs leave nothing behind, and git fetches to refused
// destinations never start.
#include <gtest/gtest.h>

#include <filesystem>

#include "asset/asset_fetcher.h"
#include "asset/asset_push.h"
#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "testing/fake_downloader.h"
#include "testing/temp_dir.h"
#include "testing/test_archive.h"

namespace kiln {
namespace {

Sri SriOf(DigestFunction function, std::string_view data) { return Sri{function, HashHex(function, data)}; }

class AssetFetcherSafetyTest : public ::testing::Test {
 protected:
  AssetFetcherSafetyTest()
      : index_(&records_, &cas_, [] { return std::chrono::system_clock::now(); }),
        fetcher_(&index_, &cas_, &downloader_, nullptr, Options()) {}

  AssetFetcherOptions Options() const {
    AssetFetcherOptions options;
    options.temp_dir = temp_.path();
    options.archive_limits.max_unpacked_bytes = 1 << 20;
    return options;
  }

  // What the Remote Asset service would make of a request with these qualifiers.
  AssetFetchRequest Request(AssetKind kind, const std::string& uri, const std::optional<Sri>& checksum) {
    google::protobuf::RepeatedPtrField<asset_proto::Qualifier> qualifiers;
    if (checksum) {
      qualifiers.Add()->set_name("checksum.sri");
      qualifiers.Mutable(0)->set_value(checksum->ToString());
    }
    AssetFetchRequest request;
    request.kind = kind;
    request.uris = {uri};
    request.qualifiers = *ParseQualifiers(qualifiers, kind);
    return request;
  }
  AssetFetchResult Fetch(const AssetFetchRequest& request) {
    auto result = fetcher_.Fetch(request);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : AssetFetchResult{};
  }
  Digest Store(std::string_view data) {
    Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    EXPECT_TRUE(WriteBlob(cas_, digest, data).ok());
    return digest;
  }
  // Pushes `digest` for `uri` as PushBlob/PushDirectory would, with these qualifiers.
  Status Push(AssetKind kind, const std::string& uri, const std::optional<Sri>& checksum, const Digest& digest) {
    const AssetFetchRequest shape = Request(kind, uri, checksum);
    AssetPushRequest push;
    push.scope = AssetScope{"", kind, shape.qualifiers.identity};
    push.uris = {uri};
    push.checksum = checksum;
    push.mapping.digest = digest;
    return RecordPush(index_, push);
  }

  TempDir temp_;
  MemoryRecordStore records_;
  MemoryBlobStore cas_;
  FakeDownloader downloader_;
  AssetIndex index_;
  AssetFetcher fetcher_;
};

// The spec lets a server trust pushed qualifiers; kiln does not, for checksum.sri. A push
// whose blob does not have the sha384 it claims is accepted (checking it would mean reading
// the whole blob on the RPC thread), but never answers a fetch carrying that checksum.
TEST_F(AssetFetcherSafetyTest, APushedBlobNotMatchingTheChecksumIsNotServed) {
  const Sri good = SriOf(DigestFunction::kSha384, "good");
  ASSERT_TRUE(Push(AssetKind::kBlob, "https://origin/a", good, Store("evil")).ok());

  // The origin has nothing: the fetch fails, as if nothing had been pushed.
  AssetFetchResult failed = Fetch(Request(AssetKind::kBlob, "https://origin/a", good));
  EXPECT_EQ(failed.status.code(), StatusCode::kNotFound) << failed.status.ToString();
  // Nor is the pushed blob served for the checksum alone, from another URI.
  EXPECT_EQ(Fetch(Request(AssetKind::kBlob, "https://mirror/a", good)).status.code(), StatusCode::kNotFound);
  EXPECT_EQ(downloader_.requests(), 2);

  // With the origin up, the fetch downloads the real content.
  downloader_.Serve("https://origin/a", "good");
  AssetFetchResult fetched = Fetch(Request(AssetKind::kBlob, "https://origin/a", good));
  ASSERT_TRUE(fetched.status.ok()) << fetched.status.ToString();
  EXPECT_EQ(fetched.digest, ComputeDigest(DigestFunction::kSha256, "good"));
  EXPECT_EQ(downloader_.requests(), 3);
}

TEST_F(AssetFetcherSafetyTest, APushedBlobMatchingAChecksumOfAnotherFunctionIsServed) {
  const Sri good = SriOf(DigestFunction::kSha512, "good");
  const Digest digest = Store("good");
  ASSERT_TRUE(Push(AssetKind::kBlob, "urn:pushed", good, digest).ok());
  AssetFetchResult served = Fetch(Request(AssetKind::kBlob, "urn:pushed", good));
  ASSERT_TRUE(served.status.ok()) << served.status.ToString();
  EXPECT_EQ(served.digest, digest);
  // And by checksum from any URI, as content fetched with a checksum is.
  served = Fetch(Request(AssetKind::kBlob, "https://elsewhere/b", good));
  ASSERT_TRUE(served.status.ok()) << served.status.ToString();
  EXPECT_EQ(served.digest, digest);
  EXPECT_EQ(downloader_.requests(), 0);
}

// Records written before pushes were checked, or by anything else that got the store's
// records wrong, are held to the same rule.
TEST_F(AssetFetcherSafetyTest, ARecordWhoseDigestContradictsTheChecksumIsNotServed) {
  const Sri good = SriOf(DigestFunction::kSha256, "good");
  const AssetFetchRequest request = Request(AssetKind::kBlob, "https://origin/a", good);
  const AssetMapping evil{Store("evil"), index_.Now(), std::nullopt, {}, {}, {}};
  ASSERT_TRUE(index_.Record({"", AssetKind::kBlob, request.qualifiers.identity}, request.uris, evil).ok());
  ASSERT_TRUE(index_.RecordChecksum("", good, evil).ok());
  downloader_.Serve("https://origin/a", "good");
  AssetFetchResult fetched = Fetch(request);
  ASSERT_TRUE(fetched.status.ok()) << fetched.status.ToString();
  EXPECT_EQ(fetched.digest, ComputeDigest(DigestFunction::kSha256, "good"));
  EXPECT_EQ(downloader_.requests(), 1);
}

// An unpacked tree cannot be checked against an archive's checksum: a pushed directory
// never answers a fetch carrying one; a directory kiln unpacked from a verified archive does.
TEST_F(AssetFetcherSafetyTest, APushedDirectoryDoesNotAnswerAFetchCarryingAChecksum) {
  const Digest empty_tree = Store(reapi::Directory().SerializeAsString());
  const std::string archive = MakeTestArchive(TestArchiveFormat::kTarGz, {{"f", AE_IFREG, 0644, "content"}});
  const Sri sri = SriOf(DigestFunction::kSha256, archive);
  ASSERT_TRUE(Push(AssetKind::kDirectory, "https://origin/a.tar.gz", sri, empty_tree).ok());
  // Without the checksum, the same pushed record is served as before.
  ASSERT_TRUE(Push(AssetKind::kDirectory, "https://origin/a.tar.gz", std::nullopt, empty_tree).ok());
  EXPECT_EQ(Fetch(Request(AssetKind::kDirectory, "https://origin/a.tar.gz", std::nullopt)).digest, empty_tree);

  downloader_.Serve("https://origin/a.tar.gz", archive);
  const AssetFetchRequest request = Request(AssetKind::kDirectory, "https://origin/a.tar.gz", sri);
  AssetFetchResult fetched = Fetch(request);
  ASSERT_TRUE(fetched.status.ok()) << fetched.status.ToString();
  EXPECT_NE(fetched.digest, empty_tree);
  EXPECT_EQ(downloader_.requests(), 1);
  AssetFetchResult again = Fetch(request);
  EXPECT_EQ(again.digest, fetched.digest);
  EXPECT_EQ(downloader_.requests(), 1);  // Served from the verified record.
}

TEST_F(AssetFetcherSafetyTest, AnArchiveBombFailsAndLeavesNothingBehind) {
  downloader_.Serve("https://origin/bomb.tar.zst", MakeZeroArchive(TestArchiveFormat::kTarZst, 512 << 10, 8));
  const AssetFetchRequest request = Request(AssetKind::kDirectory, "https://origin/bomb.tar.zst", std::nullopt);
  AssetFetchResult result = Fetch(request);
  EXPECT_EQ(result.status.code(), StatusCode::kResourceExhausted) << result.status.ToString();
  EXPECT_NE(result.status.message().find("--asset-max-unpacked-bytes"), std::string::npos) << result.status.message();
  EXPECT_NE(result.status.message().find("https://origin/bomb.tar.zst"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(temp_.path()));  // The partial tree is gone.
  EXPECT_EQ(cas_.blob_count(), 0u);
  // Nothing was recorded: the next fetch tries the origin again.
  EXPECT_EQ(Fetch(request).status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(downloader_.requests(), 2);
}

TEST_F(AssetFetcherSafetyTest, GitOverHttpToARefusedAddressNeverStarts) {
  // No git runner at all: the refusal must come before git would run.
  AssetFetchRequest request = Request(AssetKind::kDirectory, "http://127.0.0.1:9/repo.git", std::nullopt);
  AssetFetchResult result = Fetch(request);
  EXPECT_EQ(result.status.code(), StatusCode::kPermissionDenied) << result.status.ToString();
  EXPECT_NE(result.status.message().find("127.0.0.1 (loopback 127.0.0.0/8)"), std::string::npos)
      << result.status.message();
  EXPECT_NE(result.status.message().find("--asset-allow-private-networks"), std::string::npos);
}

}  // namespace
}  // namespace kiln
