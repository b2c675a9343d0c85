// Messages read from the CAS: refused by size from the digest alone (the blob is never
// opened), and the codes for absent and malformed messages.
#include "cas/message_blob.h"

#include <gtest/gtest.h>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "testing/read_counting_store.h"

namespace kiln {
namespace {

namespace reapi = build::bazel::remote::execution::v2;

class MessageBlobTest : public ::testing::Test {
 protected:
  Digest Put(const std::string& bytes) {
    const Digest digest = ComputeDigest(DigestFunction::kSha256, bytes);
    EXPECT_TRUE(WriteBlob(memory_, digest, bytes).ok());
    return digest;
  }
  MemoryBlobStore memory_;
  testing::ReadCountingStore cas_{&memory_};
};

TEST_F(MessageBlobTest, ReadsAMessageWithinTheCap) {
  reapi::Directory directory;
  directory.add_files()->set_name("a");
  const std::string bytes = directory.SerializeAsString();
  const Digest digest = Put(bytes);
  reapi::Directory read;
  ASSERT_TRUE(ReadMessageBlob(cas_, digest, static_cast<int64_t>(bytes.size()), "Directory x", read).ok())
      << "a message exactly at the cap is read";
  EXPECT_EQ(read.files(0).name(), "a");
}

TEST_F(MessageBlobTest, OversizedMessageIsRefusedWithoutBeingRead) {
  const Digest big = Put(std::string(5000, 'x'));
  reapi::Directory read;
  Status refused = ReadMessageBlob(cas_, big, 4999, "Directory input root/sub", read);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(), "Directory input root/sub (" + big.ToString() +
                                   ") is 5000 bytes, over the limit of 4999 bytes for one message (--max-message-bytes)");
  EXPECT_EQ(cas_.reads_of(big), 0);
  // Also when the blob is not even there: the digest alone is too big.
  const Digest absent = ComputeDigest(DigestFunction::kSha256, std::string(1 << 20, 'y'));
  EXPECT_EQ(ReadMessageBlob(cas_, absent, 1000, "Action", read).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckMessageSize(absent, 1 << 20, "Action").code(), StatusCode::kOk);
}

TEST_F(MessageBlobTest, AbsentIsNotFoundAndGarbageIsInvalidArgument) {
  reapi::Command command;
  const Digest absent = ComputeDigest(DigestFunction::kSha256, "never stored");
  Status missing = ReadMessageBlob(cas_, absent, kDefaultMaxMessageBytes, "Command", command);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find(absent.ToString()), std::string::npos) << missing.message();
  const Digest garbage = Put("\xff\xff\xff not a protobuf");
  Status invalid = ReadMessageBlob(cas_, garbage, kDefaultMaxMessageBytes, "Command", command);
  EXPECT_EQ(invalid.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(invalid.message().find("is not a valid Command message"), std::string::npos) << invalid.message();
}

}  // namespace
}  // namespace kiln
