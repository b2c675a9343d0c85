// A digest_function kiln does not implement (REAPI's VSO, MURMUR3 and SHA256TREE, and a
// value no version defines) is refused by every request that carries the field -- CAS,
// action cache, Execute, Remote Asset -- and by ByteStream names that spell it, always with
// INVALID_ARGUMENT naming the function, and never answered as if it were SHA-256.
#include "build/bazel/remote/asset/v1/remote_asset.grpc.pb.h"
#include "execution_util.h"

namespace kiln_test {
namespace {

namespace asset = build::bazel::remote::asset::v1;

class UnsupportedDigestFunctionTest : public KilnServerTest,
                                      public ::testing::WithParamInterface<reapi::DigestFunction::Value> {
 protected:
  std::string Expected() const { return "digest_function " + std::to_string(GetParam()) + " is not supported"; }
  template <typename Call>
  ::testing::AssertionResult Refused(Call call) {
    grpc::ClientContext context;
    SetDeadline(&context);
    return HasStatus(call(&context), grpc::StatusCode::INVALID_ARGUMENT, Expected());
  }
};

INSTANTIATE_TEST_SUITE_P(Lacking, UnsupportedDigestFunctionTest,
                         ::testing::Values(reapi::DigestFunction::VSO, reapi::DigestFunction::MURMUR3,
                                           reapi::DigestFunction::SHA256TREE,
                                           static_cast<reapi::DigestFunction::Value>(99)));

TEST_P(UnsupportedDigestFunctionTest, CasRequestsAreRefused) {
  const std::string blob = "some bytes";
  ASSERT_TRUE(BatchUpload(cas(), "", {blob}));
  const reapi::Digest digest = ProtoDigestOf(blob);  // A SHA-256 hash: must not be taken as one.
  EXPECT_TRUE(Refused([&](grpc::ClientContext* context) {
    reapi::FindMissingBlobsRequest request;
    request.set_digest_function(GetParam());
    *request.add_blob_digests() = digest;
    reapi::FindMissingBlobsResponse response;
    return cas().FindMissingBlobs(context, request, &response);
  }));
  EXPECT_TRUE(Refused([&](grpc::ClientContext* context) {
    reapi::BatchReadBlobsRequest request;
    request.set_digest_function(GetParam());
    *request.add_digests() = digest;
    reapi::BatchReadBlobsResponse response;
    return cas().BatchReadBlobs(context, request, &response);
  }));
  {
    reapi::BatchUpdateBlobsRequest request;
    request.set_digest_function(GetParam());
    auto* item = request.add_requests();
    *item->mutable_digest() = ProtoDigestOf("other bytes");
    item->set_data("other bytes");
    reapi::BatchUpdateBlobsResponse response;
    grpc::ClientContext context;
    SetDeadline(&context);
    ASSERT_TRUE(cas().BatchUpdateBlobs(&context, request, &response).ok());
    ASSERT_EQ(response.responses_size(), 1);
    EXPECT_TRUE(HasStatus(response.responses(0).status(), grpc::StatusCode::INVALID_ARGUMENT, Expected()));
  }
  EXPECT_TRUE(Refused([&](grpc::ClientContext* context) {
    reapi::GetTreeRequest request;
    request.set_digest_function(GetParam());
    *request.mutable_root_digest() = digest;
    auto reader = cas().GetTree(context, request);
    reapi::GetTreeResponse page;
    while (reader->Read(&page)) {
    }
    return reader->Finish();
  }));
  EXPECT_TRUE(Refused([&](grpc::ClientContext* context) {
    reapi::SplitBlobRequest request;
    request.set_digest_function(GetParam());
    *request.mutable_blob_digest() = digest;
    reapi::SplitBlobResponse response;
    return cas().SplitBlob(context, request, &response);
  }));
  EXPECT_TRUE(Refused([&](grpc::ClientContext* context) {
    reapi::SpliceBlobRequest request;
    request.set_digest_function(GetParam());
    *request.mutable_blob_digest() = digest;
    *request.add_chunk_digests() = digest;
    reapi::SpliceBlobResponse response;
    return cas().SpliceBlob(context, request, &response);
  }));
}

TEST_P(UnsupportedDigestFunctionTest, ActionCacheAndExecuteAreRefused) {
  const reapi::Digest action = ProtoDigestOf("an action");
  EXPECT_TRUE(Refused([&](grpc::ClientContext* context) {
    reapi::GetActionResultRequest request;
    request.set_digest_function(GetParam());
    *request.mutable_action_digest() = action;
    reapi::ActionResult response;
    return action_cache().GetActionResult(context, request, &response);
  }));
  EXPECT_TRUE(Refused([&](grpc::ClientContext* context) {
    reapi::UpdateActionResultRequest request;
    request.set_digest_function(GetParam());
    *request.mutable_action_digest() = action;
    request.mutable_action_result()->set_exit_code(0);
    reapi::ActionResult response;
    return action_cache().UpdateActionResult(context, request, &response);
  }));
  reapi::ExecuteRequest execute;
  execute.set_digest_function(GetParam());
  *execute.mutable_action_digest() = action;
  ExecuteResult run = Execute(server().channel(), execute);
  EXPECT_TRUE(HasStatus(run.status, grpc::StatusCode::INVALID_ARGUMENT, Expected()));
  EXPECT_TRUE(run.updates.empty());
}

TEST_P(UnsupportedDigestFunctionTest, RemoteAssetRequestsAreRefused) {
  auto fetch = asset::Fetch::NewStub(server().channel());
  auto push = asset::Push::NewStub(server().channel());
  const reapi::Digest digest = ProtoDigestOf("an asset");
  EXPECT_TRUE(Refused([&](grpc::ClientContext* context) {
    asset::FetchBlobRequest request;
    request.add_uris("https://example.invalid/asset.tar.gz");
    request.set_digest_function(GetParam());
    asset::FetchBlobResponse response;
    return fetch->FetchBlob(context, request, &response);
  }));
  EXPECT_TRUE(Refused([&](grpc::ClientContext* context) {
    asset::FetchDirectoryRequest request;
    request.add_uris("https://example.invalid/asset.tar.gz");
    request.set_digest_function(GetParam());
    asset::FetchDirectoryResponse response;
    return fetch->FetchDirectory(context, request, &response);
  }));
  EXPECT_TRUE(Refused([&](grpc::ClientContext* context) {
    asset::PushBlobRequest request;
    request.add_uris("https://example.invalid/asset.tar.gz");
    request.set_digest_function(GetParam());
    *request.mutable_blob_digest() = digest;
    asset::PushBlobResponse response;
    return push->PushBlob(context, request, &response);
  }));
  EXPECT_TRUE(Refused([&](grpc::ClientContext* context) {
    asset::PushDirectoryRequest request;
    request.add_uris("https://example.invalid/asset.tar.gz");
    request.set_digest_function(GetParam());
    *request.mutable_root_directory_digest() = digest;
    asset::PushDirectoryResponse response;
    return push->PushDirectory(context, request, &response);
  }));
}

// ByteStream names spell the function instead: REAPI's other names are refused by name.
using UnsupportedDigestFunctionNameTest = KilnServerTest;

TEST_F(UnsupportedDigestFunctionNameTest, ByteStreamNamesAreRefused) {
  const std::string blob = "stored under sha256";
  ASSERT_TRUE(BatchUpload(cas(), "", {blob}));
  const kiln::Digest digest = DigestOf(blob);
  for (const std::string function : {"sha256tree", "vso", "murmur3"}) {
    std::string data;
    EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), "blobs/" + function + "/" + digest.ToString(), &data),
                          grpc::StatusCode::INVALID_ARGUMENT, "unsupported digest function \"" + function + "\""));
    int64_t committed = 0;
    EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), "uploads/" + NewUploadId() + "/blobs/" + function + "/" +
                                                            digest.ToString(),
                                          blob, 1024, &committed),
                          grpc::StatusCode::INVALID_ARGUMENT, "unsupported digest function \"" + function + "\""));
  }
  ExpectStillServing();
}

}  // namespace
}  // namespace kiln_test
