// PushBlob / PushDirectory against a real kiln, and FetchBlob / FetchDirectory serving what
// was pushed: qualifiers, expiry, references, and content that must be in the CAS.
#include "asset_test_util.h"

namespace kiln_test {
namespace {

constexpr char kUrn[] = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6";

class PushTest : public AssetServerTest {
 protected:
  asset::PushBlobRequest PushRequest(const std::string& content, const Qualifiers& qualifiers = {}) {
    auto request = AssetRequest<asset::PushBlobRequest>({kUrn, "https://example.com/mirror"}, qualifiers);
    *request.mutable_blob_digest() = ProtoDigestOf(content);
    return request;
  }
  // A miss of a URI that only pushes provide (urn:) is the call's NOT_FOUND; this puts it
  // into the response's status, where other misses and all hits are, for the checks below.
  asset::FetchBlobResponse FetchPushed(const std::string& uri, const Qualifiers& qualifiers = {}) {
    asset::FetchBlobResponse response;
    grpc::Status status = FetchBlob(AssetRequest<asset::FetchBlobRequest>({uri}, qualifiers), &response);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND && uri.starts_with("urn:")) {
      response.mutable_status()->set_code(status.error_code());
      response.mutable_status()->set_message(status.error_message());
    } else {
      EXPECT_TRUE(status.ok()) << Describe(status);
    }
    return response;
  }
};

TEST_F(PushTest, PushedBlobIsFetchedByAnyOfItsUrisWithTheSameQualifiers) {
  ASSERT_TRUE(BatchUpload(cas(), "", {"pushed content"}));
  ASSERT_TRUE(PushBlob(PushRequest("pushed content", {{"bazel.canonical_id", "v1"}})).ok());

  for (const std::string uri : {kUrn, "https://example.com/mirror"}) {
    asset::FetchBlobResponse response = FetchPushed(uri, {{"bazel.canonical_id", "v1"}});
    ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK)) << uri;
    EXPECT_EQ(response.uri(), uri);
    EXPECT_EQ(response.blob_digest().hash(), ProtoDigestOf("pushed content").hash());
  }
  EXPECT_TRUE(HasStatus(FetchPushed(kUrn, {{"bazel.canonical_id", "v2"}}).status(), grpc::StatusCode::NOT_FOUND, kUrn));
  EXPECT_TRUE(HasStatus(FetchPushed(kUrn).status(), grpc::StatusCode::NOT_FOUND));
}

// BuildStream 1.6 reads only the call's status: a miss it cannot see there would be taken
// for a hit with an empty digest.
TEST_F(PushTest, AMissOfAUriOnlyPushesProvideFailsTheCall) {
  asset::FetchDirectoryResponse directory;
  grpc::Status missed = FetchDirectory(
      AssetRequest<asset::FetchDirectoryRequest>({"urn:fdc:buildstream.build:2020:v1:never-pushed"}), &directory);
  EXPECT_EQ(missed.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(missed);
  EXPECT_NE(missed.error_message().find("nothing usable was pushed"), std::string::npos) << Describe(missed);
  asset::FetchBlobResponse blob;
  EXPECT_EQ(FetchBlob(AssetRequest<asset::FetchBlobRequest>({kUrn}), &blob).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(PushTest, PushedQualifiersKilnDoesNotKnowAreServedVerbatim) {
  ASSERT_TRUE(BatchUpload(cas(), "", {"x"}));
  ASSERT_TRUE(PushBlob(PushRequest("x", {{"org.example.flavour", "vanilla"}})).ok());
  EXPECT_TRUE(HasStatus(FetchPushed(kUrn, {{"org.example.flavour", "vanilla"}}).status(), grpc::StatusCode::OK));
  asset::FetchBlobResponse response;
  EXPECT_TRUE(HasStatus(FetchBlob(AssetRequest<asset::FetchBlobRequest>({kUrn}, {{"org.example.flavour", "mint"}}), &response),
                        grpc::StatusCode::INVALID_ARGUMENT, "\"org.example.flavour\" not supported"));
}

TEST_F(PushTest, ExpiryIsReportedAndRespected) {
  ASSERT_TRUE(BatchUpload(cas(), "", {"a", "b"}));
  auto lasting = PushRequest("a");
  lasting.mutable_expire_at()->set_seconds(time(nullptr) + 3600);
  ASSERT_TRUE(PushBlob(lasting).ok());
  asset::FetchBlobResponse response = FetchPushed(kUrn);
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(response.expires_at().seconds(), lasting.expire_at().seconds());

  auto far_future = PushRequest("a");
  far_future.mutable_expire_at()->set_seconds(253'402'300'799);  // The last second of 9999.
  ASSERT_TRUE(PushBlob(far_future).ok());
  EXPECT_TRUE(HasStatus(FetchPushed(kUrn).status(), grpc::StatusCode::OK));

  auto expired = PushRequest("b");
  expired.mutable_expire_at()->set_seconds(time(nullptr) - 10);
  ASSERT_TRUE(PushBlob(expired).ok());
  EXPECT_TRUE(HasStatus(FetchPushed(kUrn).status(), grpc::StatusCode::NOT_FOUND));
}

TEST_F(PushTest, PushedContentAndReferencesMustBeInTheCas) {
  EXPECT_TRUE(HasStatus(PushBlob(PushRequest("not uploaded")), grpc::StatusCode::INVALID_ARGUMENT, "not all in the CAS"));
  ASSERT_TRUE(BatchUpload(cas(), "", {"main"}));
  auto with_reference = PushRequest("main");
  *with_reference.add_references_blobs() = ProtoDigestOf("referenced, not uploaded");
  EXPECT_TRUE(HasStatus(PushBlob(with_reference), grpc::StatusCode::INVALID_ARGUMENT,
                        ProtoDigestOf("referenced, not uploaded").hash()));
  ASSERT_TRUE(BatchUpload(cas(), "", {"referenced, not uploaded"}));
  EXPECT_TRUE(PushBlob(with_reference).ok());
  EXPECT_TRUE(HasStatus(FetchPushed(kUrn).status(), grpc::StatusCode::OK));
}

TEST_F(PushTest, RejectsInvalidPushes) {
  ASSERT_TRUE(BatchUpload(cas(), "", {"x"}));
  EXPECT_TRUE(HasStatus(PushBlob(AssetRequest<asset::PushBlobRequest>({kUrn})), grpc::StatusCode::INVALID_ARGUMENT,
                        "blob_digest"));
  auto no_uris = PushRequest("x");
  no_uris.clear_uris();
  EXPECT_TRUE(HasStatus(PushBlob(no_uris), grpc::StatusCode::INVALID_ARGUMENT, "uris"));
  auto bad_digest = PushRequest("x");
  bad_digest.mutable_blob_digest()->set_hash("xyz");
  EXPECT_TRUE(HasStatus(PushBlob(bad_digest), grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(HasStatus(PushBlob(PushRequest("x", {{"checksum.sri", Sha256Sri("other")}})),
                        grpc::StatusCode::INVALID_ARGUMENT, "does not match"));
}

TEST_F(PushTest, PushedChecksumServesFetchesFromAnyUri) {
  ASSERT_TRUE(BatchUpload(cas(), "", {"by checksum"}));
  ASSERT_TRUE(PushBlob(PushRequest("by checksum", {{"checksum.sri", Sha256Sri("by checksum")}})).ok());
  asset::FetchBlobResponse response = FetchPushed(http_.Url("/elsewhere"), {{"checksum.sri", Sha256Sri("by checksum")}});
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(response.blob_digest().hash(), ProtoDigestOf("by checksum").hash());
  EXPECT_EQ(http_.requests("/elsewhere"), 0);
}

// A pushed checksum.sri of another hash function than the blob's digest is not checked at
// push time, so it is not believed either: such a record never answers a fetch carrying
// that checksum unless the blob really has it.
TEST_F(PushTest, APushedBlobWithAChecksumItDoesNotMatchNeverAnswersThatChecksum) {
  const Qualifiers real = {{"checksum.sri", Sha384Sri("the real dependency")}};
  ASSERT_TRUE(BatchUpload(cas(), "", {"poison"}));
  auto poisoned = AssetRequest<asset::PushBlobRequest>({kUrn, http_.Url("/dep")}, real);
  *poisoned.mutable_blob_digest() = ProtoDigestOf("poison");
  ASSERT_TRUE(PushBlob(poisoned).ok());

  // Neither by URI nor by checksum: a URN cannot be fetched, so the fetch fails...
  EXPECT_TRUE(HasStatus(FetchPushed(kUrn, real).status(), grpc::StatusCode::NOT_FOUND, kUrn));
  // ...and a URL is fetched from its origin, as if nothing had been pushed.
  http_.Serve("/dep", "the real dependency");
  asset::FetchBlobResponse fetched = FetchPushed(http_.Url("/dep"), real);
  ASSERT_TRUE(HasStatus(fetched.status(), grpc::StatusCode::OK));
  EXPECT_EQ(fetched.blob_digest().hash(), ProtoDigestOf("the real dependency").hash());
  EXPECT_EQ(http_.requests("/dep"), 1);
  // Content verified against the checksum serves it from anywhere from now on.
  EXPECT_EQ(FetchPushed(kUrn, real).blob_digest().hash(), ProtoDigestOf("the real dependency").hash());

  // The same push with a blob that does match is believed, once kiln has hashed it.
  const Qualifiers honest = {{"checksum.sri", Sha384Sri("honest")}};
  ASSERT_TRUE(BatchUpload(cas(), "", {"honest"}));
  auto matching = AssetRequest<asset::PushBlobRequest>({"urn:example:honest"}, honest);
  *matching.mutable_blob_digest() = ProtoDigestOf("honest");
  ASSERT_TRUE(PushBlob(matching).ok());
  asset::FetchBlobResponse served = FetchPushed("urn:example:honest", honest);
  ASSERT_TRUE(HasStatus(served.status(), grpc::StatusCode::OK));
  EXPECT_EQ(served.blob_digest().hash(), ProtoDigestOf("honest").hash());
}

TEST_F(PushTest, PushedDirectoryIsFetchedWhenItsWholeTreeIsPresent) {
  reapi::Directory directory;
  auto* file = directory.add_files();
  file->set_name("data.txt");
  *file->mutable_digest() = ProtoDigestOf("file in tree");
  const std::string serialized = directory.SerializeAsString();
  ASSERT_TRUE(BatchUpload(cas(), "", {serialized}));
  auto request = AssetRequest<asset::PushDirectoryRequest>({"https://example.com/repo.git"}, {{"vcs.commit", std::string(40, 'a')}});
  *request.mutable_root_directory_digest() = ProtoDigestOf(serialized);
  EXPECT_TRUE(HasStatus(PushDirectory(request), grpc::StatusCode::INVALID_ARGUMENT, ProtoDigestOf("file in tree").hash()));

  ASSERT_TRUE(BatchUpload(cas(), "", {"file in tree"}));
  ASSERT_TRUE(PushDirectory(request).ok());
  asset::FetchDirectoryResponse response;
  ASSERT_TRUE(FetchDirectory(AssetRequest<asset::FetchDirectoryRequest>({"https://example.com/repo.git"},
                                                                        {{"vcs.commit", std::string(40, 'a')}}),
                             &response).ok());
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(response.root_directory_digest().hash(), ProtoDigestOf(serialized).hash());
}

}  // namespace
}  // namespace kiln_test
