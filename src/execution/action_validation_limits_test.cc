// Execute's bounds before anything is queued: messages over --max-message-bytes are refused
// unread, and input trees over the expanded-size limits are refused, the doubling DAG from
// its 31 distinct Directories, a wide tree of distinct Directories as soon as the part
// read proves it.
#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "execution/action_validation.h"
#include "testing/read_counting_store.h"
#include "worker/test_inputs.h"

namespace kiln {
namespace {

using testing::AddDirectory;
using testing::AddFile;
using testing::PutBlob;
using testing::PutMessage;

class ExecuteLimitsTest : public ::testing::Test {
 protected:
  Digest MakeAction(const Digest& input_root) {
    reapi::Command command;
    command.add_arguments("/bin/true");
    reapi::Action action;
    *action.mutable_command_digest() = ToProto(PutMessage(memory_, command));
    *action.mutable_input_root_digest() = ToProto(input_root);
    return PutMessage(memory_, action);
  }
  // Level 0 holds one file; level k names level k-1 as "a" and "b".
  Digest DoublingDag(int levels) {
    reapi::Directory level;
    AddFile(level, "leaf", PutBlob(memory_, "leaf contents"));
    Digest digest = PutMessage(memory_, level);
    for (int i = 1; i <= levels; ++i) {
      reapi::Directory parent;
      AddDirectory(parent, "a", digest);
      AddDirectory(parent, "b", digest);
      digest = PutMessage(memory_, parent);
    }
    return digest;
  }

  MemoryBlobStore memory_;
  testing::ReadCountingStore cas_{&memory_};
};

TEST_F(ExecuteLimitsTest, ReportsTheExpandedSizeOfAnAcceptedTree) {
  auto loaded = LoadAndValidateAction(cas_, MakeAction(DoublingDag(3)));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->input_size.files, 8u);
  EXPECT_EQ(loaded->input_size.directories, 14u);
  EXPECT_EQ(loaded->input_size.depth, 3u);
  EXPECT_EQ(loaded->input_size.bytes, 8u * 13);
}

TEST_F(ExecuteLimitsTest, ThirtyLevelDoublingDagIsRefusedNamingTheLimitAndTheFigure) {
  auto loaded = LoadAndValidateAction(cas_, MakeAction(DoublingDag(30)));
  EXPECT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(loaded.status().message(),
            "the input tree expands to 3221225470 files, directories and symlinks (1073741824 files, "
            "2147483646 directories, 0 symlinks), over the limit of 1000000 (--max-input-files)");
  EXPECT_TRUE(loaded.status().missing_blobs().empty()) << "nothing is missing: clients must not re-upload";
}

TEST_F(ExecuteLimitsTest, BytesAndDepthLimits) {
  const Digest action = MakeAction(DoublingDag(5));  // 32 files of 13 bytes, 5 levels.
  ExecuteLimits limits;
  limits.input_tree.max_bytes = 32 * 13 - 1;
  auto bytes = LoadAndValidateAction(cas_, action, limits);
  EXPECT_EQ(bytes.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(bytes.status().message().find("416 bytes of files, over the limit of 415 bytes (--max-input-bytes)"),
            std::string::npos)
      << bytes.status().message();
  limits.input_tree.max_bytes = 32 * 13;
  limits.input_tree.max_depth = 4;
  auto depth = LoadAndValidateAction(cas_, action, limits);
  EXPECT_EQ(depth.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(depth.status().message().find("over the limit of 4 (--max-input-depth)"), std::string::npos)
      << depth.status().message();
  limits.input_tree.max_depth = 5;
  EXPECT_TRUE(LoadAndValidateAction(cas_, action, limits).ok());
}

TEST_F(ExecuteLimitsTest, AWideTreeOfDistinctDirectoriesIsRefusedBeforeAllOfItIsRead) {
  // 50 distinct subdirectories of 10 files each: 550 entries, over a limit of 100 once
  // the first few subdirectories are read.
  reapi::Directory root;
  std::vector<Digest> children;
  for (int d = 0; d < 50; ++d) {
    reapi::Directory child;
    for (int f = 0; f < 10; ++f) {
      AddFile(child, "f" + std::to_string(f), PutBlob(memory_, std::to_string(d) + "/" + std::to_string(f)));
    }
    children.push_back(PutMessage(memory_, child));
    AddDirectory(root, "d" + std::to_string(100 + d), children.back());
  }
  ExecuteLimits limits;
  limits.input_tree.max_entries = 100;
  auto loaded = LoadAndValidateAction(cas_, MakeAction(PutMessage(memory_, root)), limits);
  EXPECT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(loaded.status().message().find("expands to at least"), std::string::npos) << loaded.status().message();
  EXPECT_EQ(cas_.reads_of(children.back()), 0) << "the walk stopped once the limit was proven";
}

TEST_F(ExecuteLimitsTest, ADeepChainIsRefusedBeforeItsBottomIsRead) {
  reapi::Directory bottom;
  const Digest bottom_digest = PutMessage(memory_, bottom);
  Digest digest = bottom_digest;
  for (int i = 0; i < 300; ++i) {
    reapi::Directory parent;
    AddDirectory(parent, "d", digest);
    digest = PutMessage(memory_, parent);
  }
  auto loaded = LoadAndValidateAction(cas_, MakeAction(digest));
  EXPECT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(loaded.status().message(),
            "the input tree is at least 257 directories deep, over the limit of 256 (--max-input-depth)");
  EXPECT_EQ(cas_.reads_of(bottom_digest), 0);
}

TEST_F(ExecuteLimitsTest, OversizedMessagesAreRefusedUnread) {
  ExecuteLimits limits;
  limits.max_message_bytes = 1000;
  // A Directory of 60 entries is well over 1000 bytes.
  reapi::Directory big;
  for (int i = 0; i < 60; ++i) AddFile(big, "file" + std::to_string(100 + i), PutBlob(memory_, std::to_string(i)));
  const Digest big_digest = PutMessage(memory_, big);
  reapi::Directory root;
  AddDirectory(root, "big", big_digest);
  auto directory = LoadAndValidateAction(cas_, MakeAction(PutMessage(memory_, root)), limits);
  EXPECT_EQ(directory.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(directory.status().message(),
            "Directory input root/big (" + big_digest.ToString() + ") is " + std::to_string(big_digest.size()) +
                " bytes, over the limit of 1000 bytes for one message (--max-message-bytes)");
  EXPECT_EQ(cas_.reads_of(big_digest), 0);

  // The Action and the Command alike.
  reapi::Command long_command;
  long_command.add_arguments(std::string(2000, 'x'));
  reapi::Action action;
  *action.mutable_command_digest() = ToProto(PutMessage(memory_, long_command));
  *action.mutable_input_root_digest() = ToProto(PutMessage(memory_, reapi::Directory()));
  auto command = LoadAndValidateAction(cas_, PutMessage(memory_, action), limits);
  EXPECT_EQ(command.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(command.status().message().rfind("Command (", 0), 0u) << command.status().message();
  const Digest big_action = PutBlob(memory_, std::string(2000, '\0'));
  auto refused_action = LoadAndValidateAction(cas_, big_action, limits);
  EXPECT_EQ(refused_action.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused_action.status().message().rfind("Action (", 0), 0u) << refused_action.status().message();
  EXPECT_EQ(cas_.reads_of(big_action), 0);
}

}  // namespace
}  // namespace kiln
