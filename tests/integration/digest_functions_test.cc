// Non-SHA-256 digest functions end to end: selected by the digest_function request field
// in the batch RPCs, and by the optional function segment (or hash length) in ByteStream
// resource names. Each function's blobs are a separate namespace.
#include "common/proto_digest.h"
#include "common/resource_name.h"
#include "test_util.h"

namespace kiln_test {
namespace {

class DigestFunctionsTest : public KilnServerTest, public ::testing::WithParamInterface<DigestFunction> {
 protected:
  DigestFunction function() const { return GetParam(); }
  std::string FunctionName() const { return std::string(kiln::DigestFunctionName(function())); }
  // "blobs/{function}/{hash}/{size}" with the explicit function segment.
  std::string ExplicitReadName(std::string_view blob) const {
    return "blobs/" + FunctionName() + "/" + DigestOf(blob, function()).ToString();
  }
  std::string ExplicitWriteName(std::string_view blob) const {
    return "uploads/" + NewUploadId() + "/" + ExplicitReadName(blob);
  }
};

TEST_P(DigestFunctionsTest, BatchRpcsUseTheDigestFunctionField) {
  const std::string blob = PseudoRandomBytes(5000, 1) + FunctionName();
  const reapi::DigestFunction::Value wire = kiln::ToProto(function());
  ASSERT_TRUE(BatchUpload(cas(), "", {blob}, function()));

  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(blob, function())}, &missing, wire).ok());
  EXPECT_TRUE(missing.empty());

  reapi::BatchReadBlobsRequest request;
  request.set_digest_function(wire);
  *request.add_digests() = ProtoDigestOf(blob, function());
  reapi::BatchReadBlobsResponse response;
  ASSERT_TRUE(BatchRead(cas(), request, &response).ok());
  ASSERT_EQ(response.responses_size(), 1);
  ASSERT_EQ(response.responses(0).status().code(), 0) << Describe(response.responses(0).status());
  EXPECT_TRUE(response.responses(0).data() == blob);

  // The same bytes under SHA-256 were never uploaded.
  if (function() != DigestFunction::kSha256) {
    ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(blob)}, &missing, reapi::DigestFunction::SHA256).ok());
    EXPECT_EQ(missing.size(), 1u);
  }
}

TEST_P(DigestFunctionsTest, ByteStreamWithTheFunctionSegment) {
  const std::string blob = PseudoRandomBytes(300000, 2) + FunctionName();
  int64_t committed = 0;
  grpc::Status status = ByteStreamWrite(bytestream(), ExplicitWriteName(blob), blob, 64 * 1024, &committed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(committed, static_cast<int64_t>(blob.size()));

  std::string data;
  status = ByteStreamRead(bytestream(), ExplicitReadName(blob), &data);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(data == blob);

  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(blob, function())}, &missing, kiln::ToProto(function())).ok());
  EXPECT_TRUE(missing.empty());

  // A wrong hash under this function is rejected like any other.
  const std::string claimed = blob + "?";
  EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), ExplicitWriteName(claimed), blob + "!", 1024, &committed),
                        grpc::StatusCode::INVALID_ARGUMENT));
}

TEST_P(DigestFunctionsTest, CompressedByteStreamWithTheFunctionSegment) {
  const std::string blob = CompressibleBytes(200000, 3) + FunctionName();
  auto compressed = kiln::ZstdCompress(blob);
  ASSERT_TRUE(compressed.ok());
  const std::string tail = "compressed-blobs/zstd/" + FunctionName() + "/" + DigestOf(blob, function()).ToString();
  int64_t committed = 0;
  grpc::Status status =
      ByteStreamWrite(bytestream(), "uploads/" + NewUploadId() + "/" + tail, *compressed, 8192, &committed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  std::string data;
  status = ByteStreamRead(bytestream(), tail, &data);
  ASSERT_TRUE(status.ok()) << Describe(status);
  auto decompressed = kiln::ZstdDecompress(data, static_cast<int64_t>(blob.size()));
  ASSERT_TRUE(decompressed.ok());
  EXPECT_TRUE(*decompressed == blob);
}

TEST_P(DigestFunctionsTest, ByteStreamInfersTheFunctionFromHashLength) {
  // REAPI lets clients omit the segment for the classic functions (kiln's own names then
  // omit it), and requires it for the others (kiln's names carry it).
  const std::string blob = PseudoRandomBytes(4000, 4) + FunctionName();
  const kiln::Digest digest = DigestOf(blob, function());
  int64_t committed = 0;
  ASSERT_TRUE(ByteStreamWrite(bytestream(), kiln::MakeWriteResourceName("", NewUploadId(), digest), blob, 1024,
                              &committed)
                  .ok());
  std::string data;
  ASSERT_TRUE(ByteStreamRead(bytestream(), ExplicitReadName(blob), &data).ok());
  EXPECT_TRUE(data == blob);
  ASSERT_TRUE(ByteStreamRead(bytestream(), kiln::MakeReadResourceName("", digest), &data).ok());
  EXPECT_TRUE(data == blob);
}

// BLAKE3 and GITSHA1 hashes are as long as SHA-256 and SHA-1 hashes. Unnamed, a hash
// means what it meant before those existed, as REAPI has it: clients must name the newer two.
class NamedOnlyFunctionsTest : public DigestFunctionsTest {};

TEST_P(NamedOnlyFunctionsTest, UnnamedHashesAreNeverTakenForThisFunction) {
  ASSERT_FALSE(kiln::ImpliedByHashLength(function()));
  const std::string blob = PseudoRandomBytes(3000, 5) + FunctionName();
  const kiln::Digest digest = DigestOf(blob, function());
  // A resource name without the segment: the bytes are checked against SHA-256 / SHA-1.
  int64_t committed = 0;
  EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), "uploads/" + NewUploadId() + "/blobs/" + digest.ToString(),
                                        blob, 1024, &committed),
                        grpc::StatusCode::INVALID_ARGUMENT));
  // Stored under its name, the blob is not found by its hash without the name.
  ASSERT_TRUE(BatchUpload(cas(), "", {blob}, function()));
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {kiln::ToProto(digest)}, &missing).ok());
  EXPECT_EQ(missing.size(), 1u);
  ASSERT_TRUE(FindMissing(cas(), "", {kiln::ToProto(digest)}, &missing, kiln::ToProto(function())).ok());
  EXPECT_TRUE(missing.empty());
}

TEST_P(DigestFunctionsTest, ActionCacheWithTheDigestFunction) {
  const std::string output = "output for " + FunctionName();
  ASSERT_TRUE(BatchUpload(cas(), "", {output}, function()));
  const reapi::Digest action = ProtoDigestOf("action for " + FunctionName(), function());
  reapi::UpdateActionResultRequest update;
  update.set_digest_function(kiln::ToProto(function()));
  *update.mutable_action_digest() = action;
  auto* file = update.mutable_action_result()->add_output_files();
  file->set_path("out");
  *file->mutable_digest() = ProtoDigestOf(output, function());
  reapi::ActionResult result;
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    grpc::Status status = action_cache().UpdateActionResult(&context, update, &result);
    ASSERT_TRUE(status.ok()) << Describe(status);
  }
  reapi::GetActionResultRequest get;
  get.set_digest_function(kiln::ToProto(function()));
  *get.mutable_action_digest() = action;
  get.add_inline_output_files("out");
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    grpc::Status status = action_cache().GetActionResult(&context, get, &result);
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(result.output_files(0).contents(), output);
  }
}

INSTANTIATE_TEST_SUITE_P(AllFunctions, DigestFunctionsTest, ::testing::ValuesIn(kiln::kAllDigestFunctions),
                         [](const auto& info) { return std::string(kiln::DigestFunctionName(info.param)); });
INSTANTIATE_TEST_SUITE_P(NamedOnly, NamedOnlyFunctionsTest,
                         ::testing::Values(DigestFunction::kBlake3, DigestFunction::kGitSha1),
                         [](const auto& info) { return std::string(kiln::DigestFunctionName(info.param)); });

}  // namespace
}  // namespace kiln_test
