#include "webui/blob_decoder.h"

#include <gtest/gtest.h>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"

namespace kiln {
namespace {

namespace reapi = build::bazel::remote::execution::v2;

reapi::Digest SomeDigest(char fill, int64_t size) {
  reapi::Digest digest;
  digest.set_hash(std::string(64, fill));
  digest.set_size_bytes(size);
  return digest;
}

reapi::Directory SomeDirectory() {
  reapi::Directory directory;
  auto* file = directory.add_files();
  file->set_name("main.c");
  *file->mutable_digest() = SomeDigest('a', 10);
  auto* child = directory.add_directories();
  child->set_name("include");
  *child->mutable_digest() = SomeDigest('b', 80);
  return directory;
}

TEST(BlobDecoderTest, RecognizesEachMessageWithoutAHint) {
  reapi::Action action;
  *action.mutable_command_digest() = SomeDigest('c', 100);
  *action.mutable_input_root_digest() = SomeDigest('d', 200);
  EXPECT_EQ(DecodeBlob(action.SerializeAsString(), std::nullopt).kind, BlobKind::kAction);

  reapi::Command command;
  command.add_arguments("/bin/echo");
  command.add_arguments("hi");
  command.add_output_paths("out");
  EXPECT_EQ(DecodeBlob(command.SerializeAsString(), std::nullopt).kind, BlobKind::kCommand);

  EXPECT_EQ(DecodeBlob(SomeDirectory().SerializeAsString(), std::nullopt).kind, BlobKind::kDirectory);

  reapi::Tree tree;
  *tree.mutable_root() = SomeDirectory();
  *tree.add_children() = SomeDirectory();
  EXPECT_EQ(DecodeBlob(tree.SerializeAsString(), std::nullopt).kind, BlobKind::kTree);

  reapi::ActionResult result;
  result.set_exit_code(1);
  *result.mutable_stdout_digest() = SomeDigest('e', 5);
  auto* output = result.add_output_files();
  output->set_path("out");
  *output->mutable_digest() = SomeDigest('f', 7);
  const DecodedBlob decoded = DecodeBlob(result.SerializeAsString(), std::nullopt);
  EXPECT_EQ(decoded.kind, BlobKind::kActionResult);
  ASSERT_NE(decoded.message, nullptr);
  EXPECT_EQ(static_cast<const reapi::ActionResult&>(*decoded.message).exit_code(), 1);
}

TEST(BlobDecoderTest, TextAndBinaryAreFiles) {
  for (const std::string bytes : {std::string("hello world\n"), std::string("#include <stdio.h>\nint main() {}\n"),
                                  std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10), std::string()}) {
    const DecodedBlob decoded = DecodeBlob(bytes, std::nullopt);
    EXPECT_EQ(decoded.kind, BlobKind::kFile) << bytes;
    EXPECT_EQ(decoded.message, nullptr);
  }
}

TEST(BlobDecoderTest, AHintIsTakenWhenTheBytesParse) {
  // The empty blob is a valid (empty) Directory: an empty input root.
  EXPECT_EQ(DecodeBlob("", BlobKind::kDirectory).kind, BlobKind::kDirectory);
  // A Directory linked as a file stays a file.
  EXPECT_EQ(DecodeBlob(SomeDirectory().SerializeAsString(), BlobKind::kFile).kind, BlobKind::kFile);
  const DecodedBlob wrong = DecodeBlob("hello world\n", BlobKind::kCommand);
  EXPECT_EQ(wrong.kind, BlobKind::kFile);
  EXPECT_EQ(wrong.note, "not a valid Command; shown as a file");
}

TEST(BlobDecoderTest, UnknownFieldsAnywhereRuleAMessageOut) {
  reapi::Directory directory = SomeDirectory();
  directory.mutable_files(0)->GetReflection()->MutableUnknownFields(directory.mutable_files(0))->AddVarint(99, 1);
  EXPECT_TRUE(HasUnknownFields(directory));
  EXPECT_EQ(DecodeBlob(directory.SerializeAsString(), BlobKind::kDirectory).kind, BlobKind::kFile);
  EXPECT_FALSE(HasUnknownFields(SomeDirectory()));
}

TEST(BlobDecoderTest, KindNamesRoundTrip) {
  for (BlobKind kind : {BlobKind::kAction, BlobKind::kCommand, BlobKind::kDirectory, BlobKind::kTree,
                        BlobKind::kActionResult, BlobKind::kFile}) {
    EXPECT_EQ(ParseBlobKind(BlobKindName(kind)), kind);
  }
  EXPECT_EQ(ParseBlobKind("Blob"), std::nullopt);
}

}  // namespace
}  // namespace kiln
