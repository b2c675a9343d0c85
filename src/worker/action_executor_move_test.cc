// Outputs moved into a disk CAS instead of copied (what sandboxed local workers do): the
// result is the same as with copies, every output is moved, and nested outputs, whose
// files the outer output would carry away, are copied instead.
#include <gtest/gtest.h>

#include "cas/disk_blob_store.h"
#include "testing/temp_dir.h"
#include "worker/action_executor.h"
#include "worker/test_inputs.h"

namespace kiln {
namespace {

using namespace kiln::testing;  // NOLINT: test helpers

class MovedOutputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DiskBlobStoreOptions store_options;
    store_options.root = root_.path() + "/cas";
    cas_ = std::move(DiskBlobStore::Open(store_options)).value();
    options_.work_root = root_.path() + "/work";
    options_.worker_id = "test-worker";
    options_.cas = cas_.get();
    options_.runner = runner_.get();
    options_.move_outputs = [this](int dir_fd, const std::string& name, int fd, DigestFunction function) {
      auto moved = cas_->AdoptFile(dir_fd, name, fd, function);
      if (moved.ok() && moved->has_value()) ++moved_files_;
      return moved;
    };
  }

  ExecutionOutcome Run(const std::string& script, const std::vector<std::string>& outputs) {
    reapi::Command command;
    for (const char* argument : {"/bin/sh", "-c"}) command.add_arguments(argument);
    command.add_arguments(script);
    for (const std::string& output : outputs) command.add_output_paths(output);
    reapi::Action action;
    *action.mutable_command_digest() = ToProto(PutMessage(*cas_, command));
    *action.mutable_input_root_digest() = ToProto(PutMessage(*cas_, reapi::Directory()));
    ActionExecutor executor(options_);
    return executor.Execute(PutMessage(*cas_, action), action, command, cancelled_);
  }

  reapi::Tree TreeOf(const reapi::OutputDirectory& output) {
    reapi::Tree tree;
    EXPECT_TRUE(tree.ParseFromString(BlobText(*cas_, output.tree_digest())));
    return tree;
  }

  TempDir root_;
  std::unique_ptr<DiskBlobStore> cas_;
  std::unique_ptr<Runner> runner_ = NewProcessRunner();
  ActionExecutorOptions options_;
  std::atomic<bool> cancelled_{false};
  int moved_files_ = 0;
};

TEST_F(MovedOutputsTest, FilesAndTreeFilesAreMovedWithTheirExecutableBits) {
  ExecutionOutcome outcome = Run("echo a > a; printf '#!/bin/sh\\n' > tool; chmod 755 tool;"
                                 "mkdir -p d/e; echo x > d/x; echo y > d/e/y; echo x > d/e/same-as-x",
                                 {"a", "d", "tool"});
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(moved_files_, 5);
  const reapi::ActionResult& result = outcome.result;
  ASSERT_EQ(result.output_files_size(), 2);
  EXPECT_EQ(BlobText(*cas_, result.output_files(0).digest()), "a\n");
  EXPECT_FALSE(result.output_files(0).is_executable());
  EXPECT_EQ(result.output_files(1).path(), "tool");
  EXPECT_TRUE(result.output_files(1).is_executable());  // Read before the CAS made it 0444.
  const reapi::Tree tree = TreeOf(result.output_directories(0));
  ASSERT_EQ(tree.root().files_size(), 1);
  EXPECT_EQ(BlobText(*cas_, tree.root().files(0).digest()), "x\n");
  ASSERT_EQ(tree.children_size(), 1);
  EXPECT_EQ(BlobText(*cas_, tree.children(0).files(1).digest()), "y\n");
}

TEST_F(MovedOutputsTest, NestedOutputsAreCopiedSoEachIsComplete) {
  ExecutionOutcome outcome = Run("mkdir -p out/sub; echo top > out/top; echo inner > out/sub/inner",
                                 {"out", "out/sub", "out/sub/inner"});
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(moved_files_, 0);
  ASSERT_EQ(outcome.result.output_directories_size(), 2);
  EXPECT_EQ(TreeOf(outcome.result.output_directories(0)).children_size(), 1);
  EXPECT_EQ(TreeOf(outcome.result.output_directories(1)).root().files_size(), 1);
  ASSERT_EQ(outcome.result.output_files_size(), 1);
  EXPECT_EQ(BlobText(*cas_, outcome.result.output_files(0).digest()), "inner\n");
}

TEST_F(MovedOutputsTest, HardlinkedOutputsAreCopied) {
  ExecutionOutcome outcome = Run("echo shared > one; ln one two", {"one", "two"});
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(moved_files_, 0);
  ASSERT_EQ(outcome.result.output_files_size(), 2);
  EXPECT_EQ(outcome.result.output_files(0).digest().hash(), outcome.result.output_files(1).digest().hash());
}

}  // namespace
}  // namespace kiln
