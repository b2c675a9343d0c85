// Remote execution under the digest functions that must always be named (BLAKE3, GITSHA1):
// inputs uploaded and read under the function, an action run by the real kiln serve's
// workers, outputs hashed with it, the action cache keyed by it, and every operation update
// naming it (clients cannot infer it from the hash length).
#include "common/proto_digest.h"
#include "common/resource_name.h"
#include "execution_util.h"

namespace kiln_test {
namespace {

class DigestFunctionExecutionTest : public KilnServerTest, public ::testing::WithParamInterface<DigestFunction> {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "1"}; }
  DigestFunction function() const { return GetParam(); }
  reapi::DigestFunction::Value wire() const { return kiln::ToProto(function()); }

  std::string Read(const reapi::Digest& digest) {
    auto parsed = kiln::FromProto(function(), digest, "digest");
    EXPECT_TRUE(parsed.ok());
    std::string data;
    grpc::Status status = ByteStreamRead(bytestream(), kiln::MakeReadResourceName("", *parsed), &data);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return data;
  }
};

TEST_P(DigestFunctionExecutionTest, UploadsExecutesAndCachesUnderTheFunction) {
  // An input big enough for BLAKE3's many-chunk path, written through ByteStream.
  const std::string input = PseudoRandomBytes(300000, 7);
  const kiln::Digest input_digest = DigestOf(input, function());
  int64_t committed = 0;
  grpc::Status written = ByteStreamWrite(bytestream(), kiln::MakeWriteResourceName("", NewUploadId(), input_digest),
                                         input, 64 * 1024, &committed);
  ASSERT_TRUE(written.ok()) << Describe(written);
  EXPECT_TRUE(Read(kiln::ToProto(input_digest)) == input);

  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", "cat in.bin in.bin > out/twice.bin; wc -c < in.bin"};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  spec.output_paths = {"out/twice.bin"};
  auto* file = spec.input_root.add_files();
  file->set_name("in.bin");
  *file->mutable_digest() = kiln::ToProto(input_digest);
  const reapi::Digest action = UploadAction(cas(), spec, function());

  reapi::ExecuteRequest request;
  *request.mutable_action_digest() = action;
  request.set_digest_function(wire());
  ExecuteResult run = Execute(server().channel(), request);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  ASSERT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
  for (const auto& update : run.updates) {
    EXPECT_EQ(MetadataOf(update).digest_function(), wire()) << "clients cannot infer it from the hash length";
  }
  const reapi::ActionResult& result = run.response.result();
  ASSERT_EQ(result.exit_code(), 0) << Read(result.stderr_digest());
  ASSERT_EQ(result.output_files_size(), 1);
  const std::string twice = input + input;
  EXPECT_EQ(result.output_files(0).digest().hash(), DigestOf(twice, function()).hash());
  EXPECT_TRUE(Read(result.output_files(0).digest()) == twice);
  EXPECT_EQ(result.stdout_digest().hash(), DigestOf("300000\n", function()).hash());
  EXPECT_EQ(Read(result.stdout_digest()), "300000\n");

  // The result is cached under the function, and only under it.
  reapi::GetActionResultRequest get;
  get.set_digest_function(wire());
  *get.mutable_action_digest() = action;
  reapi::ActionResult cached;
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    grpc::Status status = action_cache().GetActionResult(&context, get, &cached);
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(cached.output_files(0).digest().hash(), result.output_files(0).digest().hash());
  }
  get.clear_digest_function();
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    EXPECT_TRUE(HasStatus(action_cache().GetActionResult(&context, get, &cached), grpc::StatusCode::NOT_FOUND));
  }
  ExecuteResult again = Execute(server().channel(), request);
  ASSERT_TRUE(again.status.ok()) << Describe(again.status);
  EXPECT_TRUE(again.response.cached_result());

  // Unnamed, the action's hash is a SHA-256 / SHA-1 hash of nothing kiln has.
  request.clear_digest_function();
  request.set_skip_cache_lookup(true);
  EXPECT_EQ(Execute(server().channel(), request).status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

// REAPI names a missing input as a read resource name does: with the function's segment.
TEST_P(DigestFunctionExecutionTest, MissingInputsAreNamedWithTheFunction) {
  ActionSpec spec;
  spec.arguments = {"/bin/true"};
  auto* file = spec.input_root.add_files();
  file->set_name("never-uploaded");
  const kiln::Digest missing = DigestOf("never uploaded", function());
  *file->mutable_digest() = kiln::ToProto(missing);
  reapi::ExecuteRequest request;
  *request.mutable_action_digest() = UploadAction(cas(), spec, function());
  request.set_digest_function(wire());
  ExecuteResult run = Execute(server().channel(), request);
  ASSERT_EQ(run.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(run.status);
  const std::string expected = "blobs/" + std::string(kiln::DigestFunctionName(function())) + "/" + missing.ToString();
  EXPECT_EQ(MissingSubjects(run.status), std::vector<std::string>{expected});
}

INSTANTIATE_TEST_SUITE_P(NamedOnly, DigestFunctionExecutionTest,
                         ::testing::Values(DigestFunction::kBlake3, DigestFunction::kGitSha1),
                         [](const auto& info) { return std::string(kiln::DigestFunctionName(info.param)); });

}  // namespace
}  // namespace kiln_test
