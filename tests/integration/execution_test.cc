// Remote execution through the real kiln serve with local workers: Execute's stage stream,
// results and outputs, the action cache in front of execution, and REAPI's error rules.
#include <map>
#include <thread>

#include "execution_util.h"

namespace kiln_test {
namespace {

class ExecutionTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "2"}; }

  ActionSpec Shell(const std::string& script, std::vector<std::string> outputs = {}) {
    ActionSpec spec;
    spec.arguments = {"/bin/sh", "-c", script};
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    spec.output_paths = std::move(outputs);
    return spec;
  }
};

TEST_F(ExecutionTest, RunsTheCommandAndStreamsEveryStage) {
  ActionSpec spec = Shell("echo hello > out/result.txt; echo to-stdout; echo to-stderr >&2", {"out/result.txt"});
  ExecuteResult run = Execute(server().channel(), UploadAction(cas(), spec));
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  ASSERT_GE(run.updates.size(), 2u);
  EXPECT_EQ(run.stages.front(), reapi::ExecutionStage::CACHE_CHECK);
  EXPECT_EQ(run.stages.back(), reapi::ExecutionStage::COMPLETED);
  EXPECT_TRUE(std::is_sorted(run.stages.begin(), run.stages.end())) << "stages went backwards";
  for (size_t i = 0; i + 1 < run.updates.size(); ++i) EXPECT_FALSE(run.updates[i].done());
  EXPECT_TRUE(run.updates.back().done());
  EXPECT_FALSE(run.updates.back().has_error()) << "errors belong in ExecuteResponse.status";
  for (const auto& update : run.updates) EXPECT_EQ(update.name(), run.updates.front().name());

  const reapi::ActionResult& result = run.response.result();
  EXPECT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
  EXPECT_FALSE(run.response.cached_result());
  EXPECT_EQ(result.exit_code(), 0);
  ASSERT_EQ(result.output_files_size(), 1);
  EXPECT_EQ(result.output_files(0).path(), "out/result.txt");
  EXPECT_EQ(ReadBlobText(bytestream(), result.output_files(0).digest()), "hello\n");
  EXPECT_EQ(ReadBlobText(bytestream(), result.stdout_digest()), "to-stdout\n");
  EXPECT_EQ(ReadBlobText(bytestream(), result.stderr_digest()), "to-stderr\n");
  EXPECT_FALSE(result.execution_metadata().worker().empty());
  EXPECT_TRUE(result.execution_metadata().has_queued_timestamp());
  EXPECT_TRUE(result.execution_metadata().has_execution_completed_timestamp());
}

TEST_F(ExecutionTest, InlinesStdoutAndStderrWhenAsked) {
  reapi::ExecuteRequest request;
  *request.mutable_action_digest() = UploadAction(cas(), Shell("echo small out; echo small err >&2"));
  request.set_inline_stdout(true);
  request.set_inline_stderr(true);
  request.set_skip_cache_lookup(true);
  ExecuteResult run = Execute(server().channel(), request);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  EXPECT_EQ(run.response.result().stdout_raw(), "small out\n");
  EXPECT_EQ(run.response.result().stderr_raw(), "small err\n");
  EXPECT_TRUE(run.response.result().has_stdout_digest()) << "the digest is always there too";
  // Without the request, nothing is inlined.
  request.set_inline_stdout(false);
  request.set_inline_stderr(false);
  ExecuteResult plain = Execute(server().channel(), request);
  EXPECT_EQ(plain.response.result().stdout_raw(), "");
}

// inline_output_files names the files wanted; all inlined contents share one budget of
// 1 MiB per result (the action cache's), and what does not fit is left to the CAS, as REAPI
// allows. The digests are always there.
TEST_F(ExecutionTest, InlinesRequestedOutputFilesWithinTheBudget) {
  reapi::ExecuteRequest request;
  *request.mutable_action_digest() = UploadAction(
      cas(), Shell("echo small > small; echo other > other; head -c 700000 /dev/zero > big1; "
                   "head -c 700000 /dev/zero > big2; head -c 1100000 /dev/zero",
                   {"small", "other", "big1", "big2"}));
  request.set_skip_cache_lookup(true);
  request.add_inline_output_files("small");
  request.add_inline_output_files("big1");
  request.add_inline_output_files("big2");
  request.add_inline_output_files("not-an-output");
  request.set_inline_stdout(true);
  ExecuteResult run = Execute(server().channel(), request);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  const reapi::ActionResult& result = run.response.result();
  ASSERT_EQ(result.output_files_size(), 4);
  std::map<std::string, const reapi::OutputFile*> files;
  for (const auto& file : result.output_files()) files[file.path()] = &file;
  EXPECT_EQ(files["small"]->contents(), "small\n");
  EXPECT_EQ(files["other"]->contents(), "") << "not asked for";
  // Each alone fits in 1 MiB, both together do not: one is inlined, the other is not.
  EXPECT_NE(files["big1"]->contents().empty(), files["big2"]->contents().empty());
  for (const auto& [path, file] : files) EXPECT_TRUE(file->has_digest()) << path;
  EXPECT_EQ(result.stdout_raw(), "") << "1.1 MB of stdout is over the budget";
  EXPECT_TRUE(result.has_stdout_digest());
  // The same result from the cache, asked with other hints: the answer follows the hints.
  request.set_skip_cache_lookup(false);
  request.clear_inline_output_files();
  request.add_inline_output_files("other");
  request.set_inline_stdout(false);
  ExecuteResult hit = Execute(server().channel(), request);
  ASSERT_TRUE(hit.status.ok()) << Describe(hit.status);
  ASSERT_TRUE(hit.response.cached_result());
  for (const auto& file : hit.response.result().output_files()) {
    EXPECT_EQ(file.contents(), file.path() == "other" ? "other\n" : "") << file.path();
  }
}

TEST_F(ExecutionTest, SuccessfulResultIsServedFromTheCacheNextTime) {
  reapi::Digest action = UploadAction(cas(), Shell("echo cached > f", {"f"}));
  ExecuteResult first = Execute(server().channel(), action);
  ASSERT_TRUE(first.status.ok()) << Describe(first.status);
  ASSERT_FALSE(first.response.cached_result());
  ExecuteResult second = Execute(server().channel(), action);
  ASSERT_TRUE(second.status.ok()) << Describe(second.status);
  EXPECT_TRUE(second.response.cached_result());
  EXPECT_EQ(second.stages.front(), reapi::ExecutionStage::CACHE_CHECK);
  EXPECT_EQ(second.stages.back(), reapi::ExecutionStage::COMPLETED);
  EXPECT_EQ(second.response.result().output_files(0).digest().hash(), first.response.result().output_files(0).digest().hash());
  // skip_cache_lookup runs it again.
  ExecuteResult third = Execute(server().channel(), action, /*skip_cache_lookup=*/true);
  EXPECT_FALSE(third.response.cached_result());
}

TEST_F(ExecutionTest, ACacheHitNeedsNoActionBlob) {
  // A result a client recorded with UpdateActionResult, for an action never uploaded: the
  // hit is served without loading (or validating) the Action and its input tree.
  reapi::Digest action;
  action.set_hash(std::string(64, 'a'));
  action.set_size_bytes(42);
  reapi::UpdateActionResultRequest update;
  *update.mutable_action_digest() = action;
  update.mutable_action_result()->set_exit_code(0);
  *update.mutable_action_result()->mutable_stdout_digest() = Upload(cas(), "recorded\n");
  grpc::ClientContext context;
  reapi::ActionResult stored;
  ASSERT_TRUE(action_cache().UpdateActionResult(&context, update, &stored).ok());
  ExecuteResult hit = Execute(server().channel(), action);
  ASSERT_TRUE(hit.status.ok()) << Describe(hit.status);
  EXPECT_TRUE(hit.response.cached_result());
  EXPECT_EQ(ReadBlobText(bytestream(), hit.response.result().stdout_digest()), "recorded\n");
  // Without the cache, the missing Action is what the client hears about.
  ExecuteResult miss = Execute(server().channel(), action, /*skip_cache_lookup=*/true);
  EXPECT_EQ(miss.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ExecutionTest, FailuresAndDoNotCacheAreNotCached) {
  reapi::Digest failing = UploadAction(cas(), Shell("echo partial; exit 3"));
  ExecuteResult run = Execute(server().channel(), failing);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  EXPECT_EQ(run.response.status().code(), 0) << "a non-zero exit is a result, not an error";
  EXPECT_EQ(run.response.result().exit_code(), 3);
  EXPECT_FALSE(Execute(server().channel(), failing).response.cached_result());

  ActionSpec spec = Shell("true");
  spec.do_not_cache = true;
  reapi::Digest uncacheable = UploadAction(cas(), spec);
  ASSERT_EQ(Execute(server().channel(), uncacheable).response.result().exit_code(), 0);
  EXPECT_FALSE(Execute(server().channel(), uncacheable).response.cached_result());
}

TEST_F(ExecutionTest, EnvironmentIsExactlyWhatTheCommandSays) {
  ActionSpec spec;
  spec.arguments = {"/usr/bin/env"};
  spec.environment = {{"ONLY_THIS", "1"}, {"AND_THIS", "two words"}};
  ExecuteResult run = Execute(server().channel(), UploadAction(cas(), spec));
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  EXPECT_EQ(ReadBlobText(bytestream(), run.response.result().stdout_digest()), "AND_THIS=two words\nONLY_THIS=1\n");
}

TEST_F(ExecutionTest, InputsAreStagedAndOutputDirectoriesComeBackAsTrees) {
  // REAPI creates the parents of outputs, not output directories themselves.
  ActionSpec spec = Shell("mkdir -p out/sub && cat in/data.txt > out/copy.txt && echo deep > out/sub/d.txt", {"out"});
  auto* in = spec.input_root.add_directories();
  in->set_name("in");
  reapi::Directory in_dir;
  auto* file = in_dir.add_files();
  file->set_name("data.txt");
  *file->mutable_digest() = Upload(cas(), "input data\n");
  *in->mutable_digest() = Upload(cas(), in_dir.SerializeAsString());
  ExecuteResult run = Execute(server().channel(), UploadAction(cas(), spec));
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  ASSERT_EQ(run.response.result().exit_code(), 0) << ReadBlobText(bytestream(), run.response.result().stderr_digest());
  ASSERT_EQ(run.response.result().output_directories_size(), 1);
  reapi::Tree tree;
  ASSERT_TRUE(tree.ParseFromString(ReadBlobText(bytestream(), run.response.result().output_directories(0).tree_digest())));
  ASSERT_EQ(tree.root().files_size(), 1);
  EXPECT_EQ(tree.root().files(0).name(), "copy.txt");
  EXPECT_EQ(ReadBlobText(bytestream(), tree.root().files(0).digest()), "input data\n");
  ASSERT_EQ(tree.children_size(), 1);
  EXPECT_EQ(tree.children(0).files(0).name(), "d.txt");
}

TEST_F(ExecutionTest, MissingInputsAreAPreconditionFailureListingEachBlob) {
  ActionSpec spec = Shell("true");
  auto* file = spec.input_root.add_files();
  file->set_name("absent");
  *file->mutable_digest() = UnknownDigest(10, '1');
  ExecuteResult run = Execute(server().channel(), UploadAction(cas(), spec));
  EXPECT_TRUE(HasStatus(run.status, grpc::StatusCode::FAILED_PRECONDITION));
  const reapi::Digest absent = UnknownDigest(10, '1');
  EXPECT_EQ(MissingSubjects(run.status),
            std::vector<std::string>{"blobs/" + absent.hash() + "/" + std::to_string(absent.size_bytes())});
  EXPECT_TRUE(run.updates.empty());
}

TEST_F(ExecutionTest, InvalidActionsAreInvalidArgument) {
  ActionSpec unsorted = Shell("true");
  for (const char* name : {"b", "a"}) {
    auto* file = unsorted.input_root.add_files();
    file->set_name(name);
    *file->mutable_digest() = Upload(cas(), name);
  }
  EXPECT_TRUE(HasStatus(Execute(server().channel(), UploadAction(cas(), unsorted)).status,
                        grpc::StatusCode::INVALID_ARGUMENT, "sorted"));
  ActionSpec escaping = Shell("true", {"../outside"});
  EXPECT_TRUE(HasStatus(Execute(server().channel(), UploadAction(cas(), escaping)).status,
                        grpc::StatusCode::INVALID_ARGUMENT, "output_paths[0]"));
  reapi::ExecuteRequest bad_digest;
  bad_digest.mutable_action_digest()->set_hash("nothex");
  EXPECT_TRUE(HasStatus(Execute(server().channel(), bad_digest).status, grpc::StatusCode::INVALID_ARGUMENT, "action_digest"));
}

TEST_F(ExecutionTest, UnsatisfiablePlatformFailsAtOnce) {
  ActionSpec spec = Shell("true");
  spec.platform = {{"OSFamily", "windows"}};
  const auto start = std::chrono::steady_clock::now();
  ExecuteResult run = Execute(server().channel(), UploadAction(cas(), spec));
  EXPECT_TRUE(HasStatus(run.status, grpc::StatusCode::FAILED_PRECONDITION, "OSFamily=windows"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(ExecutionTest, TimeoutIsDeadlineExceededWithPartialOutput) {
  ActionSpec spec = Shell("echo before; sleep 30; echo after");
  spec.timeout_seconds = 1;
  ExecuteResult run = Execute(server().channel(), UploadAction(cas(), spec));
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  EXPECT_TRUE(HasStatus(run.response.status(), grpc::StatusCode::DEADLINE_EXCEEDED));
  EXPECT_EQ(ReadBlobText(bytestream(), run.response.result().stdout_digest()), "before\n");
}

TEST_F(ExecutionTest, WaitExecutionResumesADroppedStreamAndUnknownNamesAreNotFound) {
  reapi::Digest action = UploadAction(cas(), Shell("sleep 1; echo waited"));
  std::string name;
  {  // Read the first update, then drop the stream.
    auto stub = reapi::Execution::NewStub(server().channel());
    grpc::ClientContext context;
    SetDeadline(&context);
    reapi::ExecuteRequest request;
    *request.mutable_action_digest() = action;
    auto reader = stub->Execute(&context, request);
    google::longrunning::Operation first;
    ASSERT_TRUE(reader->Read(&first));
    name = first.name();
    context.TryCancel();
    reader->Finish();
  }
  ExecuteResult resumed = WaitExecution(server().channel(), name);
  ASSERT_TRUE(resumed.status.ok()) << Describe(resumed.status);
  ASSERT_FALSE(resumed.updates.empty());
  EXPECT_TRUE(resumed.updates.back().done());
  EXPECT_EQ(ReadBlobText(bytestream(), resumed.response.result().stdout_digest()), "waited\n");
  // Finished operations stay resolvable for the retention period.
  EXPECT_TRUE(WaitExecution(server().channel(), name).updates.back().done());
  EXPECT_TRUE(HasStatus(WaitExecution(server().channel(), "operations/no-such-operation").status,
                        grpc::StatusCode::NOT_FOUND));
}

TEST_F(ExecutionTest, IdenticalActionsInFlightRunOnce) {
  reapi::Digest action = UploadAction(cas(), Shell("sleep 1; od -An -N8 -tx8 /dev/urandom"));
  ExecuteResult a, b;
  std::thread other([&] { b = Execute(server().NewChannel(), action); });
  a = Execute(server().channel(), action);
  other.join();
  ASSERT_TRUE(a.status.ok() && b.status.ok()) << Describe(a.status) << " " << Describe(b.status);
  EXPECT_EQ(a.updates.back().name(), b.updates.back().name());
  EXPECT_EQ(a.response.result().stdout_digest().hash(), b.response.result().stdout_digest().hash());
}

TEST_F(ExecutionTest, OperationsCanBeListedFetchedAndCancelled) {
  ExecutionStream execution(server().channel(), UploadAction(cas(), Shell("sleep 60")));
  const std::string name = execution.Name();
  ASSERT_FALSE(name.empty()) << "no first update";

  auto operations = google::longrunning::Operations::NewStub(server().channel());
  {
    grpc::ClientContext get_context;
    SetDeadline(&get_context);
    google::longrunning::GetOperationRequest get;
    get.set_name(name);
    google::longrunning::Operation fetched;
    ASSERT_TRUE(operations->GetOperation(&get_context, get, &fetched).ok());
    EXPECT_EQ(fetched.name(), name);
  }
  {
    grpc::ClientContext list_context;
    SetDeadline(&list_context);
    google::longrunning::ListOperationsResponse listed;
    ASSERT_TRUE(operations->ListOperations(&list_context, {}, &listed).ok());
    EXPECT_GE(listed.operations_size(), 1);
  }
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(execution.Cancel().ok());
  ExecuteResult run = Finish(execution);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  ASSERT_FALSE(run.updates.empty());
  ASSERT_TRUE(run.updates.back().done());
  EXPECT_TRUE(HasStatus(run.response.status(), grpc::StatusCode::CANCELLED));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

}  // namespace
}  // namespace kiln_test
