// FetchBlob against a real kiln: downloads over HTTP and file://, checksum.sri, headers,
// several URIs, timeouts, unsupported qualifiers, and serving later fetches from the CAS.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "asset_test_util.h"
#include "common/proto_digest.h"
#include "google/rpc/error_details.pb.h"

namespace kiln_test {
namespace {

using FetchBlobTest = AssetServerTest;

TEST_F(FetchBlobTest, DownloadsOverHttpAndServesTheNextFetchFromTheCas) {
  const std::string content = PseudoRandomBytes(300 * 1024, 1);
  http_.Serve("/file.bin", content);
  const auto request = AssetRequest<asset::FetchBlobRequest>({http_.Url("/file.bin")});
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(request, &response).ok());
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(response.uri(), http_.Url("/file.bin"));
  EXPECT_EQ(response.blob_digest().hash(), ProtoDigestOf(content).hash());
  EXPECT_EQ(response.digest_function(), reapi::DigestFunction::SHA256);
  EXPECT_EQ(ReadCasBlob(response.blob_digest()), content);
  // The download was moved into the CAS: no temporary file is left behind.
  EXPECT_TRUE(std::filesystem::is_empty(data_dir_.path() + "/asset-tmp"));

  http_.Stop();
  asset::FetchBlobResponse again;
  ASSERT_TRUE(FetchBlob(request, &again).ok());
  ASSERT_TRUE(HasStatus(again.status(), grpc::StatusCode::OK));
  EXPECT_EQ(again.blob_digest().hash(), response.blob_digest().hash());

  // A client that wants content newer than what was fetched makes kiln go to the origin.
  auto fresh = request;
  fresh.mutable_oldest_content_accepted()->set_seconds(time(nullptr) + 3600);
  asset::FetchBlobResponse refetched;
  ASSERT_TRUE(FetchBlob(fresh, &refetched).ok());
  EXPECT_TRUE(HasStatus(refetched.status(), grpc::StatusCode::UNAVAILABLE, http_.Url("/file.bin")));
}

TEST_F(FetchBlobTest, FetchesFileUris) {
  const std::string path = file_origin_.path() + "/origin.txt";
  std::ofstream(path) << "from a file";
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({"file://" + path}), &response).ok());
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(ReadCasBlob(response.blob_digest()), "from a file");
  // RFC 8089's short form, which Bazel sends.
  asset::FetchBlobResponse short_form;
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({"file:" + path}), &short_form).ok());
  ASSERT_TRUE(HasStatus(short_form.status(), grpc::StatusCode::OK));
  EXPECT_EQ(short_form.blob_digest().hash(), response.blob_digest().hash());
  std::remove(path.c_str());

  asset::FetchBlobResponse missing;
  const std::string missing_uri = "file://" + file_origin_.path() + "/nonexistent";
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({missing_uri}), &missing).ok());
  EXPECT_TRUE(HasStatus(missing.status(), grpc::StatusCode::NOT_FOUND, missing_uri));
}

TEST_F(FetchBlobTest, FileUrisOutsideTheFileRootsAreRefused) {
  TempDir elsewhere;
  const std::string secret = elsewhere.path() + "/secret.txt";
  std::ofstream(secret) << "not for clients";
  ASSERT_EQ(::symlink(secret.c_str(), (file_origin_.path() + "/link").c_str()), 0);
  const std::string dotdot = "file://" + file_origin_.path() + "/../" +
                             std::filesystem::path(elsewhere.path()).filename().string() + "/secret.txt";
  for (const std::string& uri : {"file://" + secret, "file://" + file_origin_.path() + "/link", dotdot}) {
    asset::FetchBlobResponse response;
    ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({uri}), &response).ok());
    EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED, uri));
    EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED, "--asset-file-roots"));
  }
  // Another URI of the same request is still tried.
  http_.Serve("/mirror", "public");
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({"file://" + secret, http_.Url("/mirror")}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(ReadCasBlob(response.blob_digest()), "public");
}

// Without --asset-file-roots, kiln reads no file URI at all.
class FetchBlobWithoutFileRootsTest : public AssetServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {}; }
};

TEST_F(FetchBlobWithoutFileRootsTest, FileUrisAreRefused) {
  const std::string path = file_origin_.path() + "/origin.txt";
  std::ofstream(path) << "from a file";
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({"file://" + path}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED, "--asset-file-roots"));
}

TEST_F(FetchBlobTest, VerifiesChecksumSriAndStoresNothingOnMismatch) {
  http_.Serve("/tampered", "tampered content");
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({http_.Url("/tampered")},
                                                              {{"checksum.sri", Sha256Sri("expected content")}}),
                        &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::ABORTED, "checksum.sri"));
  EXPECT_EQ(response.uri(), http_.Url("/tampered"));
  EXPECT_FALSE(response.has_blob_digest());
  EXPECT_FALSE(CasHas(ProtoDigestOf("tampered content")));

  http_.Serve("/good", "expected content");
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({http_.Url("/good")},
                                                              {{"checksum.sri", Sha256Sri("expected content")}}),
                        &response).ok());
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(ReadCasBlob(response.blob_digest()), "expected content");
}

TEST_F(FetchBlobTest, ContentKnownByChecksumIsServedWithoutDownloading) {
  http_.Serve("/a", "shared content");
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({http_.Url("/a")},
                                                              {{"checksum.sri", Sha256Sri("shared content")}}),
                        &response).ok());
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({http_.Url("/never-served")},
                                                              {{"checksum.sri", Sha256Sri("shared content")}}),
                        &response).ok());
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(response.blob_digest().hash(), ProtoDigestOf("shared content").hash());
  EXPECT_EQ(http_.requests("/never-served"), 0);
}

TEST_F(FetchBlobTest, SendsHttpHeaderQualifiers) {
  http_.Serve("/private", "secret");
  http_.RequireHeader("/private", "Authorization", "Bearer kiln-token");
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({http_.Url("/private")}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED, "403"));

  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({http_.Url("/private")},
                                                              {{"http_header:Authorization", "Bearer kiln-token"}}),
                        &response).ok());
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(ReadCasBlob(response.blob_digest()), "secret");
}

TEST_F(FetchBlobTest, TriesUrisInOrderAndNamesEveryFailure) {
  http_.Serve("/mirror", "mirrored");
  const std::string refused = "http://127.0.0.1:1/unreachable";
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({refused, http_.Url("/missing"), http_.Url("/mirror")}),
                        &response).ok());
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(response.uri(), http_.Url("/mirror"));
  EXPECT_EQ(http_.requests("/missing"), 1);

  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({refused, http_.Url("/missing")}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::NOT_FOUND, refused));
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::NOT_FOUND, http_.Url("/missing") + ": HTTP status 404"));
  EXPECT_EQ(response.uri(), http_.Url("/missing"));
}

TEST_F(FetchBlobTest, HonoursTheRequestTimeout) {
  http_.Stall("/slow");
  auto request = AssetRequest<asset::FetchBlobRequest>({http_.Url("/slow")});
  request.mutable_timeout()->set_seconds(1);
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(request, &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::DEADLINE_EXCEEDED, http_.Url("/slow")));
  ExpectStillServing();
}

TEST_F(FetchBlobTest, AStalledDownloadBlocksNeitherOtherCallsNorShutdown) {
  http_.Stall("/stalled");
  auto stalled = AssetRequest<asset::FetchBlobRequest>({http_.Url("/stalled")});
  stalled.mutable_timeout()->set_seconds(120);
  grpc::Status stalled_status;
  asset::FetchBlobResponse stalled_response;
  std::thread fetching([&] { stalled_status = FetchBlob(stalled, &stalled_response); });
  for (int i = 0; i < 1000 && http_.requests("/stalled") == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(http_.requests("/stalled"), 1);

  ExpectStillServing();
  http_.Serve("/other", "other content");
  asset::FetchBlobResponse other;
  EXPECT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({http_.Url("/other")}), &other).ok());
  EXPECT_TRUE(HasStatus(other.status(), grpc::StatusCode::OK));

  // Exits 0: shutdown stops the download (cancel flag, not the 120 s timeout or the grace
  // period), and kiln answers its call before gRPC stops, rather than cutting it off.
  StopServer();
  fetching.join();
  ASSERT_TRUE(stalled_status.ok()) << Describe(stalled_status);
  EXPECT_TRUE(HasStatus(stalled_response.status(), grpc::StatusCode::CANCELLED, http_.Url("/stalled")));
}

TEST_F(FetchBlobTest, UnsupportedQualifiersAreInvalidArgumentWithBadRequestDetails) {
  http_.Serve("/a", "x");
  asset::FetchBlobResponse response;
  grpc::Status status = FetchBlob(
      AssetRequest<asset::FetchBlobRequest>({http_.Url("/a")}, {{"mystery", "1"}, {"vcs.branch", "main"}}), &response);
  ASSERT_TRUE(HasStatus(status, grpc::StatusCode::INVALID_ARGUMENT, "\"mystery\" not supported"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(0).field(), "qualifiers.name");
  EXPECT_EQ(bad_request.field_violations(0).description(), "\"mystery\" not supported");
  EXPECT_EQ(bad_request.field_violations(1).description(), "\"vcs.branch\" not supported");
  EXPECT_EQ(http_.requests("/a"), 0);

  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({http_.Url("/a")}, {{"bazel.canonical_id", "k"}}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
}

TEST_F(FetchBlobTest, RejectsInvalidRequests) {
  asset::FetchBlobResponse response;
  EXPECT_TRUE(HasStatus(FetchBlob(asset::FetchBlobRequest(), &response), grpc::StatusCode::INVALID_ARGUMENT, "uris"));
  EXPECT_TRUE(HasStatus(FetchBlob(AssetRequest<asset::FetchBlobRequest>({""}), &response),
                        grpc::StatusCode::INVALID_ARGUMENT, "uris[0]"));
  EXPECT_TRUE(HasStatus(FetchBlob(AssetRequest<asset::FetchBlobRequest>({"http://x/"}, {{"a", "1"}, {"a", "2"}}), &response),
                        grpc::StatusCode::INVALID_ARGUMENT, "more than once"));
  EXPECT_TRUE(HasStatus(FetchBlob(AssetRequest<asset::FetchBlobRequest>({"http://x/"}, {{"checksum.sri", "sha256-nope"}}),
                                  &response),
                        grpc::StatusCode::INVALID_ARGUMENT, "checksum.sri"));
  auto mismatched = AssetRequest<asset::FetchBlobRequest>({"http://x/"}, {{"checksum.sri", Sha256Sri("x")}});
  mismatched.set_digest_function(reapi::DigestFunction::SHA512);
  EXPECT_TRUE(HasStatus(FetchBlob(mismatched, &response), grpc::StatusCode::INVALID_ARGUMENT, "digest_function"));
  auto negative = AssetRequest<asset::FetchBlobRequest>({"http://x/"});
  negative.mutable_timeout()->set_seconds(-1);
  EXPECT_TRUE(HasStatus(FetchBlob(negative, &response), grpc::StatusCode::INVALID_ARGUMENT, "timeout"));
}

TEST_F(FetchBlobTest, ZeroTimeoutMeansTheDefaultAndHugeOnesAreClamped) {
  http_.Serve("/a", "content");
  for (int64_t seconds : {int64_t{0}, int64_t{315'576'000'000}}) {
    auto request = AssetRequest<asset::FetchBlobRequest>({http_.Url("/a")});
    request.mutable_timeout()->set_seconds(seconds);
    request.mutable_oldest_content_accepted()->set_seconds(time(nullptr) - 1);
    asset::FetchBlobResponse response;
    ASSERT_TRUE(FetchBlob(request, &response).ok());
    EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK)) << seconds;
  }
}

TEST_F(FetchBlobTest, UsesTheRequestedDigestFunction) {
  http_.Serve("/a", "content");
  auto request = AssetRequest<asset::FetchBlobRequest>({http_.Url("/a")});
  request.set_digest_function(reapi::DigestFunction::SHA512);
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(request, &response).ok());
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(response.digest_function(), reapi::DigestFunction::SHA512);
  EXPECT_EQ(response.blob_digest().hash(), ProtoDigestOf("content", DigestFunction::kSha512).hash());
}

// BLAKE3 is hashed as the download streams in; GITSHA1 needs the length first, so it is
// hashed from the downloaded file. Both land in the CAS under their own function.
TEST_F(FetchBlobTest, FetchesUnderBlake3AndGitSha1) {
  const std::string content = PseudoRandomBytes(200 * 1024, 9);
  http_.Serve("/b", content);
  for (DigestFunction function : {DigestFunction::kBlake3, DigestFunction::kGitSha1}) {
    SCOPED_TRACE(std::string(kiln::DigestFunctionName(function)));
    auto request = AssetRequest<asset::FetchBlobRequest>({http_.Url("/b")});
    request.set_digest_function(kiln::ToProto(function));
    asset::FetchBlobResponse response;
    ASSERT_TRUE(FetchBlob(request, &response).ok());
    ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK)) << Describe(response.status());
    EXPECT_EQ(response.digest_function(), kiln::ToProto(function));
    EXPECT_EQ(response.blob_digest().hash(), ProtoDigestOf(content, function).hash());
    reapi::BatchReadBlobsRequest read;
    read.set_digest_function(kiln::ToProto(function));
    *read.add_digests() = response.blob_digest();
    reapi::BatchReadBlobsResponse blobs;
    ASSERT_TRUE(BatchRead(cas(), read, &blobs).ok());
    ASSERT_EQ(blobs.responses_size(), 1);
    EXPECT_TRUE(blobs.responses(0).data() == content);
  }
}

// A 1 MiB CAS with a short FindMissing pin, so that a fetched blob can be evicted.
class FetchBlobEvictionTest : public AssetServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override {
    std::vector<std::string> flags = AssetServerTest::ServerFlags();
    flags.insert(flags.end(), {"--max-cas-bytes", "1M", "--find-missing-grace", "1s"});
    return flags;
  }
};

TEST_F(FetchBlobEvictionTest, ARecordWhoseBlobWasEvictedIsNotServed) {
  const std::string content = PseudoRandomBytes(100 * 1024, 7);
  http_.Serve("/evictable", content);
  const auto request = AssetRequest<asset::FetchBlobRequest>({http_.Url("/evictable")});
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(request, &response).ok());
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));

  // Wait out the pin the fetch took (grace rounded up to whole seconds, plus one), then
  // push the blob out of the budget with ten newer ones.
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  for (uint64_t seed = 100; seed < 110; ++seed) ASSERT_TRUE(BatchUpload(cas(), "", {PseudoRandomBytes(100 * 1024, seed)}));
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {response.blob_digest()}, &missing).ok());
  ASSERT_EQ(missing.size(), 1u) << "the fetched blob was not evicted; the test cannot check anything";

  ASSERT_TRUE(FetchBlob(request, &response).ok());
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(http_.requests("/evictable"), 2);
  EXPECT_EQ(ReadCasBlob(response.blob_digest()), content);
}

}  // namespace
}  // namespace kiln_test
