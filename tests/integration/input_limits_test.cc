// Execute's bounds against the real kiln serve: an input tree that expands beyond
// --max-input-files is refused at once with nothing staged (the 30-level doubling DAG),
// a 1M-entry Directory is refused by --max-message-bytes before it is read, staging a
// legal tree counts against the action's timeout, and Execute beyond --max-queued-actions
// is RESOURCE_EXHAUSTED while an identical action still joins.
#include <filesystem>

#include "execution_util.h"

namespace kiln_test {
namespace {

namespace fs = std::filesystem;

// Everything below `dir`, recursively (0 if it does not exist).
size_t EntriesBelow(const std::string& dir) {
  std::error_code error;
  if (!fs::exists(dir, error)) return 0;
  return static_cast<size_t>(std::distance(fs::recursive_directory_iterator(dir), {}));
}

ActionSpec True(reapi::Directory input_root, const std::string& salt) {
  ActionSpec spec;
  spec.arguments = {"/bin/true"};
  spec.input_root = std::move(input_root);
  spec.salt = salt;
  return spec;
}

class InputLimitsTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "1"}; }
  std::string WorkDir() const { return data_dir_.path() + "/work"; }

  // Level 0 holds one file; level k names level k-1 as "a" and "b". Uploads levels 0 to
  // levels-1 and returns the root (level `levels`), for the test to upload inside the Action.
  reapi::Directory DoublingDag(int levels) {
    const std::string leaf = "leaf contents";
    EXPECT_TRUE(BatchUpload(cas(), "", {leaf}));
    reapi::Directory level;
    auto* file = level.add_files();
    file->set_name("leaf");
    *file->mutable_digest() = ProtoDigestOf(leaf);
    std::vector<std::string> blobs;
    for (int i = 1; i <= levels; ++i) {
      blobs.push_back(level.SerializeAsString());
      reapi::Directory parent;
      for (const char* name : {"a", "b"}) {
        auto* child = parent.add_directories();
        child->set_name(name);
        *child->mutable_digest() = ProtoDigestOf(blobs.back());
      }
      level = parent;
    }
    EXPECT_TRUE(BatchUpload(cas(), "", blobs));
    return level;
  }
};

TEST_F(InputLimitsTest, DoublingDagIsRefusedAtOnceWithNothingStaged) {
  // 31 Directories, a few KiB in the CAS; 2^30 files and 2^31 - 2 directories once staged.
  const reapi::Digest action = UploadAction(cas(), True(DoublingDag(30), "doubling"));
  reapi::ExecuteRequest request;
  *request.mutable_action_digest() = action;
  request.set_skip_cache_lookup(true);
  ExecuteResult run = Execute(server().channel(), request, std::chrono::seconds(30));
  EXPECT_TRUE(HasStatus(run.status, grpc::StatusCode::FAILED_PRECONDITION,
                        "expands to 3221225470 files, directories and symlinks (1073741824 files, 2147483646 "
                        "directories, 0 symlinks), over the limit of 1000000 (--max-input-files)"));
  EXPECT_TRUE(run.updates.empty()) << "refused before an operation exists";
  EXPECT_TRUE(MissingSubjects(run.status).empty()) << "nothing is missing: the client must not re-upload";
  EXPECT_EQ(EntriesBelow(WorkDir()), 0u) << "nothing may be staged";
  ExpectStillServing();
}

TEST_F(InputLimitsTest, MillionEntryDirectoryIsRefusedByTheMessageCapBeforeItIsRead) {
  // 1,000,000 files (all the same blob) in one Directory: about 80 MB of protobuf, over the
  // default --max-message-bytes of 16 MiB.
  const std::string content = "same";
  ASSERT_TRUE(BatchUpload(cas(), "", {content}));
  const reapi::Digest content_digest = ProtoDigestOf(content);
  reapi::Directory huge;
  huge.mutable_files()->Reserve(1'000'000);
  char name[16];
  for (int i = 0; i < 1'000'000; ++i) {
    std::snprintf(name, sizeof name, "f%07d", i);
    auto* file = huge.add_files();
    file->set_name(name);
    *file->mutable_digest() = content_digest;
  }
  const std::string bytes = huge.SerializeAsString();
  huge.Clear();
  ASSERT_GT(bytes.size(), size_t{16} << 20);
  int64_t committed = 0;
  ASSERT_TRUE(ByteStreamWrite(bytestream(), WriteName("", bytes), bytes, 1 << 20, &committed).ok());

  reapi::Directory root;
  auto* child = root.add_directories();
  child->set_name("huge");
  *child->mutable_digest() = ProtoDigestOf(bytes);
  const reapi::Digest action = UploadAction(cas(), True(root, "million"));
  ExecuteResult run = Execute(server().channel(), action, /*skip_cache_lookup=*/true);
  EXPECT_TRUE(HasStatus(run.status, grpc::StatusCode::FAILED_PRECONDITION,
                        "Directory input root/huge (" + ProtoDigestOf(bytes).hash() + "/" +
                            std::to_string(bytes.size()) + ") is " + std::to_string(bytes.size()) +
                            " bytes, over the limit of 16777216 bytes for one message (--max-message-bytes)"));
  EXPECT_EQ(EntriesBelow(WorkDir()), 0u);
  ExpectStillServing();
}

TEST_F(InputLimitsTest, StagingCountsAgainstTheActionsTimeout) {
  // 14 levels: 16,384 files and 32,766 directories, within every limit, but far more than
  // can be staged in the action's 20 ms.
  ActionSpec spec = True(DoublingDag(14), "slow to stage");
  spec.timeout_seconds = 0.02;
  ExecuteResult run = Execute(server().channel(), UploadAction(cas(), spec), /*skip_cache_lookup=*/true);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  ASSERT_FALSE(run.updates.empty());
  EXPECT_FALSE(run.updates.back().has_error()) << "errors belong in ExecuteResponse.status";
  EXPECT_TRUE(HasStatus(run.response.status(), grpc::StatusCode::DEADLINE_EXCEEDED,
                        "the action timed out after 0.02s: the inputs were still being staged"));
  EXPECT_FALSE(run.response.result().execution_metadata().has_execution_start_timestamp()) << "nothing ran";
  // The work directory was emptied for the next action: what is left is a recycled
  // directory's skeleton, not the half-staged tree.
  EXPECT_LT(EntriesBelow(WorkDir()), 10u);
  EXPECT_FALSE(Execute(server().channel(), UploadAction(cas(), spec)).response.cached_result())
      << "a timed-out action is not cached";
}

class QueueBoundTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "1", "--max-queued-actions", "1"}; }
  reapi::Digest Sleep(const std::string& salt) {
    ActionSpec spec;
    spec.arguments = {"/bin/sleep", "60"};
    spec.salt = salt;
    return UploadAction(cas(), spec);
  }
};

TEST_F(QueueBoundTest, ExecuteBeyondTheBoundIsResourceExhaustedButIdenticalActionsJoin) {
  ExecutionStream running(server().channel(), Sleep("running"));
  ASSERT_TRUE(running.WaitForMetadata([](const auto& m) { return m.stage() == reapi::ExecutionStage::EXECUTING; }));
  const reapi::Digest waiting_action = Sleep("waiting");
  ExecutionStream waiting(server().channel(), waiting_action);
  ASSERT_TRUE(waiting.WaitForMetadata([](const auto& m) { return m.stage() == reapi::ExecutionStage::QUEUED; }));

  ExecuteResult refused = Execute(server().channel(), Sleep("one too many"));
  EXPECT_TRUE(HasStatus(refused.status, grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "the execution queue is full: 1 actions are waiting for a worker, as many as "
                        "--max-queued-actions allows (1); retry later"));
  EXPECT_TRUE(refused.updates.empty());

  ExecutionStream joined(server().channel(), waiting_action);
  EXPECT_EQ(joined.Name(), waiting.Name()) << "an identical action joins the queued one";
}

}  // namespace
}  // namespace kiln_test
