#include "execution/action_validation.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "common/proto_digest.h"

namespace kiln {
namespace {

class ActionValidationTest : public ::testing::Test {
 protected:
  template <typename Message>
  Digest Put(const Message& message) {
    return PutBytes(message.SerializeAsString());
  }
  Digest PutBytes(const std::string& bytes) {
    Digest digest = ComputeDigest(DigestFunction::kSha256, bytes);
    EXPECT_TRUE(WriteBlob(cas_, digest, bytes).ok());
    return digest;
  }
  static reapi::Command SimpleCommand() {
    reapi::Command command;
    command.add_arguments("/bin/true");
    command.add_output_paths("out/result.txt");
    return command;
  }
  Digest MakeAction(const reapi::Command& command, const Digest& input_root) {
    reapi::Action action;
    *action.mutable_command_digest() = ToProto(Put(command));
    *action.mutable_input_root_digest() = ToProto(input_root);
    return Put(action);
  }

  MemoryBlobStore cas_;
};

TEST_F(ActionValidationTest, LoadsAValidAction) {
  reapi::Directory root;
  auto* file = root.add_files();
  file->set_name("input.txt");
  *file->mutable_digest() = ToProto(PutBytes("input"));
  reapi::Command command = SimpleCommand();
  auto* property = command.mutable_platform()->add_properties();
  property->set_name("OSFamily");
  property->set_value("linux");
  auto loaded = LoadAndValidateAction(cas_, MakeAction(command, Put(root)));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->command.arguments(0), "/bin/true");
  EXPECT_EQ(loaded->platform.ToString(), "OSFamily=linux");  // Falls back to Command.platform.
}

TEST_F(ActionValidationTest, ListsEveryMissingBlob) {
  const Digest absent_file = ComputeDigest(DigestFunction::kSha256, "absent file");
  const Digest absent_dir = ComputeDigest(DigestFunction::kSha256, "absent dir");
  reapi::Directory root;
  auto* file = root.add_files();
  file->set_name("a");
  *file->mutable_digest() = ToProto(absent_file);
  auto* dir = root.add_directories();
  dir->set_name("sub");
  *dir->mutable_digest() = ToProto(absent_dir);
  reapi::Action action;
  const Digest absent_command = ComputeDigest(DigestFunction::kSha256, "absent command");
  *action.mutable_command_digest() = ToProto(absent_command);
  *action.mutable_input_root_digest() = ToProto(Put(root));
  auto loaded = LoadAndValidateAction(cas_, Put(action));
  ASSERT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition);
  const auto& subjects = loaded.status().missing_blobs();
  ASSERT_EQ(subjects.size(), 3u);
  EXPECT_EQ(subjects[0], "blobs/" + absent_command.ToString());
  EXPECT_NE(std::find(subjects.begin(), subjects.end(), "blobs/" + absent_file.ToString()), subjects.end());
  EXPECT_NE(std::find(subjects.begin(), subjects.end(), "blobs/" + absent_dir.ToString()), subjects.end());
}

TEST_F(ActionValidationTest, MissingActionIsAPreconditionFailure) {
  const Digest absent = ComputeDigest(DigestFunction::kSha256, "no such action");
  auto loaded = LoadAndValidateAction(cas_, absent);
  ASSERT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(loaded.status().missing_blobs(), std::vector<std::string>{"blobs/" + absent.ToString()});
}

TEST_F(ActionValidationTest, RejectsUnsortedDuplicateOrBadlyNamedEntries) {
  auto file = [&](reapi::Directory& d, const std::string& name) {
    auto* node = d.add_files();
    node->set_name(name);
    *node->mutable_digest() = ToProto(PutBytes(name));
  };
  reapi::Directory unsorted;
  file(unsorted, "b");
  file(unsorted, "a");
  reapi::Directory duplicate;
  file(duplicate, "a");
  auto* dir = duplicate.add_directories();
  dir->set_name("a");
  *dir->mutable_digest() = ToProto(Put(reapi::Directory()));
  reapi::Directory slash;
  file(slash, "a/b");
  reapi::Directory dotdot;
  file(dotdot, "..");
  for (const auto* bad : {&unsorted, &duplicate, &slash, &dotdot}) {
    auto loaded = LoadAndValidateAction(cas_, MakeAction(SimpleCommand(), Put(*bad)));
    EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument) << bad->DebugString();
  }
}

TEST_F(ActionValidationTest, RejectsAbsoluteOrEscapingOutputPathsAndBadCommands) {
  EXPECT_FALSE(ValidateRelativePath("/etc/passwd", "f").ok());
  EXPECT_FALSE(ValidateRelativePath("a/../../b", "f").ok());
  EXPECT_FALSE(ValidateRelativePath("a//b", "f").ok());
  EXPECT_FALSE(ValidateRelativePath("", "f").ok());
  EXPECT_TRUE(ValidateRelativePath("a/b.txt", "f").ok());

  reapi::Command escaping = SimpleCommand();
  escaping.add_output_files("../outside");
  Status status = ValidateCommand(escaping);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("command.output_files[0]"), std::string::npos) << status.message();

  reapi::Command no_arguments;
  EXPECT_EQ(ValidateCommand(no_arguments).code(), StatusCode::kInvalidArgument);

  reapi::Command unsorted_env = SimpleCommand();
  auto* b = unsorted_env.add_environment_variables();
  b->set_name("B");
  auto* a = unsorted_env.add_environment_variables();
  a->set_name("A");
  EXPECT_EQ(ValidateCommand(unsorted_env).code(), StatusCode::kInvalidArgument);

  reapi::Command bad_cwd = SimpleCommand();
  bad_cwd.set_working_directory("/abs");
  EXPECT_EQ(ValidateCommand(bad_cwd).code(), StatusCode::kInvalidArgument);
}

TEST_F(ActionValidationTest, RejectsGarbageMessagesAndMissingFields) {
  EXPECT_EQ(LoadAndValidateAction(cas_, PutBytes("\xff\xff garbage")).status().code(), StatusCode::kInvalidArgument);
  reapi::Action no_command;
  *no_command.mutable_input_root_digest() = ToProto(Put(reapi::Directory()));
  EXPECT_EQ(LoadAndValidateAction(cas_, Put(no_command)).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
