// ActionCache: results round-trip, are keyed by instance name, and are only served while
// every blob they reference (output files, stdout/stderr, output trees and the files in
// them) is in the CAS; inline_* requests return contents inline.
#include <google/protobuf/util/message_differencer.h>

#include "test_util.h"

namespace kiln_test {
namespace {

using google::protobuf::util::MessageDifferencer;

class ActionCacheTest : public KilnServerTest {
 protected:
  grpc::Status Update(const std::string& instance, const reapi::Digest& action, const reapi::ActionResult& result) {
    reapi::UpdateActionResultRequest request;
    request.set_instance_name(instance);
    *request.mutable_action_digest() = action;
    *request.mutable_action_result() = result;
    reapi::ActionResult response;
    grpc::ClientContext context;
    SetDeadline(&context);
    return action_cache().UpdateActionResult(&context, request, &response);
  }

  grpc::Status Get(const std::string& instance, const reapi::Digest& action, reapi::ActionResult* result,
                   bool inline_stdout = false, const std::vector<std::string>& inline_files = {}) {
    reapi::GetActionResultRequest request;
    request.set_instance_name(instance);
    *request.mutable_action_digest() = action;
    request.set_inline_stdout(inline_stdout);
    for (const auto& path : inline_files) request.add_inline_output_files(path);
    grpc::ClientContext context;
    SetDeadline(&context);
    return action_cache().GetActionResult(&context, request, result);
  }

  // A distinct, well-formed action digest per test case.
  static reapi::Digest Action(const std::string& tag) { return ProtoDigestOf("action " + tag); }

  static reapi::ActionResult ResultWithFile(const std::string& path, const std::string& content,
                                            const std::string& stdout_text) {
    reapi::ActionResult result;
    auto* file = result.add_output_files();
    file->set_path(path);
    *file->mutable_digest() = ProtoDigestOf(content);
    file->set_is_executable(true);
    *result.mutable_stdout_digest() = ProtoDigestOf(stdout_text);
    result.set_exit_code(0);
    return result;
  }
};

TEST_F(ActionCacheTest, MissIsNotFound) {
  reapi::ActionResult result;
  EXPECT_TRUE(HasStatus(Get("", Action("never stored"), &result), grpc::StatusCode::NOT_FOUND));
}

TEST_F(ActionCacheTest, UpdateThenGetReturnsTheResult) {
  const std::string output = PseudoRandomBytes(5000, 1), out_text = "compiling...\n";
  ASSERT_TRUE(BatchUpload(cas(), "", {output, out_text}));
  reapi::ActionResult stored = ResultWithFile("bin/tool", output, out_text);
  stored.set_exit_code(3);
  stored.set_stderr_raw("a warning");
  grpc::Status status = Update("", Action("roundtrip"), stored);
  ASSERT_TRUE(status.ok()) << Describe(status);
  reapi::ActionResult fetched;
  status = Get("", Action("roundtrip"), &fetched);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(MessageDifferencer::Equals(stored, fetched)) << fetched.DebugString();

  // A second update replaces the first.
  stored.set_exit_code(0);
  ASSERT_TRUE(Update("", Action("roundtrip"), stored).ok());
  ASSERT_TRUE(Get("", Action("roundtrip"), &fetched).ok());
  EXPECT_EQ(fetched.exit_code(), 0);
}

TEST_F(ActionCacheTest, ResultReferencingAMissingBlobIsAMissUntilTheBlobIsUploaded) {
  const std::string output = "output not yet in the CAS", out_text = "stdout text";
  ASSERT_TRUE(BatchUpload(cas(), "", {out_text}));
  ASSERT_TRUE(Update("", Action("incomplete"), ResultWithFile("out.o", output, out_text)).ok());
  reapi::ActionResult fetched;
  EXPECT_TRUE(HasStatus(Get("", Action("incomplete"), &fetched), grpc::StatusCode::NOT_FOUND));
  ASSERT_TRUE(BatchUpload(cas(), "", {output}));
  grpc::Status status = Get("", Action("incomplete"), &fetched);
  EXPECT_TRUE(status.ok()) << Describe(status);

  // Same for a missing stdout blob.
  const std::string other_stdout = "stdout not in the CAS";
  ASSERT_TRUE(Update("", Action("no stdout"), ResultWithFile("out.o", output, other_stdout)).ok());
  EXPECT_TRUE(HasStatus(Get("", Action("no stdout"), &fetched), grpc::StatusCode::NOT_FOUND));
}

TEST_F(ActionCacheTest, OutputDirectoryWithAMissingFileIsAMiss) {
  const std::string inner = "file deep in the output tree", top = "top-level file";
  reapi::Directory child;
  auto* inner_node = child.add_files();
  inner_node->set_name("inner.txt");
  *inner_node->mutable_digest() = ProtoDigestOf(inner);
  reapi::Tree tree;
  auto* top_node = tree.mutable_root()->add_files();
  top_node->set_name("top.txt");
  *top_node->mutable_digest() = ProtoDigestOf(top);
  auto* dir_node = tree.mutable_root()->add_directories();
  dir_node->set_name("child");
  *dir_node->mutable_digest() = ProtoDigestOf(child.SerializeAsString());
  *tree.add_children() = child;
  const std::string tree_bytes = tree.SerializeAsString();

  reapi::ActionResult result;
  auto* output = result.add_output_directories();
  output->set_path("gen");
  *output->mutable_tree_digest() = ProtoDigestOf(tree_bytes);
  ASSERT_TRUE(Update("", Action("tree"), result).ok());

  reapi::ActionResult fetched;
  // The Tree itself is missing.
  EXPECT_TRUE(HasStatus(Get("", Action("tree"), &fetched), grpc::StatusCode::NOT_FOUND));
  // Tree and top file present, the file inside the child directory still missing.
  ASSERT_TRUE(BatchUpload(cas(), "", {tree_bytes, top}));
  EXPECT_TRUE(HasStatus(Get("", Action("tree"), &fetched), grpc::StatusCode::NOT_FOUND));
  ASSERT_TRUE(BatchUpload(cas(), "", {inner}));
  grpc::Status status = Get("", Action("tree"), &fetched);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(MessageDifferencer::Equals(result, fetched));
}

TEST_F(ActionCacheTest, InlineRequestsReturnContents) {
  const std::string output = "contents of the output file", out_text = "the stdout of the action\n";
  ASSERT_TRUE(BatchUpload(cas(), "", {output, out_text}));
  ASSERT_TRUE(Update("", Action("inline"), ResultWithFile("out/file.txt", output, out_text)).ok());

  reapi::ActionResult plain;
  ASSERT_TRUE(Get("", Action("inline"), &plain).ok());
  EXPECT_TRUE(plain.stdout_raw().empty()) << "nothing is inlined unless asked for";
  EXPECT_TRUE(plain.output_files(0).contents().empty());

  reapi::ActionResult inlined;
  grpc::Status status = Get("", Action("inline"), &inlined, /*inline_stdout=*/true, {"out/file.txt"});
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(inlined.stdout_raw(), out_text);
  EXPECT_EQ(inlined.stdout_digest().hash(), ProtoDigestOf(out_text).hash()) << "the digest stays";
  ASSERT_EQ(inlined.output_files_size(), 1);
  EXPECT_EQ(inlined.output_files(0).contents(), output);
}

TEST_F(ActionCacheTest, ResultsAreKeyedByInstanceName) {
  const std::string output = "instance-scoped output", out_text = "out";
  ASSERT_TRUE(BatchUpload(cas(), "", {output, out_text}));
  ASSERT_TRUE(BatchUpload(cas(), "team-b", {output, out_text}));
  ASSERT_TRUE(Update("team-a", Action("shared"), ResultWithFile("o", output, out_text)).ok());
  reapi::ActionResult fetched;
  EXPECT_TRUE(Get("team-a", Action("shared"), &fetched).ok());
  EXPECT_TRUE(HasStatus(Get("team-b", Action("shared"), &fetched), grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasStatus(Get("", Action("shared"), &fetched), grpc::StatusCode::NOT_FOUND));
}

// A hash whose length matches no digest function cannot be resolved; the error must still
// say it is the action_digest that is wrong, in both methods.
TEST_F(ActionCacheTest, ActionDigestOfUnknownLengthIsNamedInTheError) {
  reapi::ActionResult fetched;
  EXPECT_TRUE(HasStatus(Get("", ProtoDigest("abcd", 4), &fetched), grpc::StatusCode::INVALID_ARGUMENT,
                        "action_digest"));
  EXPECT_TRUE(HasStatus(Update("", ProtoDigest("abcd", 4), reapi::ActionResult()), grpc::StatusCode::INVALID_ARGUMENT,
                        "action_digest"));
  ExpectStillServing();
}

TEST_F(ActionCacheTest, BadRequestsAreInvalidArgumentNamingTheField) {
  reapi::ActionResult fetched;
  EXPECT_TRUE(HasStatus(Get("", ProtoDigest(std::string(64, 'A'), 4), &fetched), grpc::StatusCode::INVALID_ARGUMENT,
                        "action_digest"));
  EXPECT_TRUE(HasStatus(Get("", ProtoDigest(std::string(64, 'a'), -4), &fetched), grpc::StatusCode::INVALID_ARGUMENT,
                        "action_digest"));
  EXPECT_TRUE(HasStatus(Get("x/actionResults", Action("a"), &fetched), grpc::StatusCode::INVALID_ARGUMENT,
                        "instance_name"));

  reapi::ActionResult bad;
  *bad.add_output_files()->mutable_digest() = ProtoDigest(std::string(64, 'Z'), 1);
  EXPECT_TRUE(HasStatus(Update("", Action("bad result"), bad), grpc::StatusCode::INVALID_ARGUMENT,
                        "output_files[0].digest"));
  reapi::ActionResult bad_stdout;
  *bad_stdout.mutable_stdout_digest() = ProtoDigest("short", 1);
  EXPECT_TRUE(HasStatus(Update("", Action("bad stdout"), bad_stdout), grpc::StatusCode::INVALID_ARGUMENT,
                        "stdout_digest"));

  // Missing action_digest and action_result.
  reapi::UpdateActionResultRequest request;
  reapi::ActionResult response;
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    EXPECT_TRUE(HasStatus(action_cache().UpdateActionResult(&context, request, &response),
                          grpc::StatusCode::INVALID_ARGUMENT, "action_digest"));
  }
  *request.mutable_action_digest() = Action("no result");
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    EXPECT_TRUE(HasStatus(action_cache().UpdateActionResult(&context, request, &response),
                          grpc::StatusCode::INVALID_ARGUMENT, "action_result"));
  }
  EXPECT_TRUE(HasStatus(Get("", Action("bad result"), &fetched), grpc::StatusCode::NOT_FOUND))
      << "a rejected update stores nothing";
  ExpectStillServing();
}

}  // namespace
}  // namespace kiln_test
