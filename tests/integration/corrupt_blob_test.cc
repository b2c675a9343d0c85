// A stored blob whose file was changed behind kiln's back is never served as good nor used as
// an action's input: a byte flipped under DATA/cas/ ends a ByteStream Read with DATA_LOSS,
// fails BatchReadBlobs for that blob, and makes an Execute that needs it a missing-input
// FAILED_PRECONDITION; the file goes to DATA/quarantine/, the blob is reported missing and
// uploads again normally. The scrubber finds such a file without any read, and
// GetActionResult does not vouch for an output whose file is gone.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "execution_util.h"
#include "google/rpc/error_details.pb.h"
#include "test_util.h"

namespace kiln_test {
namespace {

namespace fs = std::filesystem;

class CorruptBlobTest : public KilnServerTest {
 protected:
  // The scrubber off, so that only the reads under test can find the damage.
  std::vector<std::string> ServerFlags() const override { return flags_; }

  std::string CasPath(const reapi::Digest& digest) const {
    return data_dir_.path() + "/cas/sha256/" + digest.hash().substr(0, 2) + "/" + digest.hash();
  }
  std::string QuarantineDir() const { return data_dir_.path() + "/quarantine"; }
  size_t QuarantinedFiles() const {
    if (!fs::exists(QuarantineDir())) return 0;
    size_t count = 0;
    for (const auto& entry : fs::directory_iterator(QuarantineDir())) count += entry.is_regular_file();
    return count;
  }

  // Flips one byte in place: same inode, same size, mtime set back to what it was.
  void FlipByte(const reapi::Digest& digest, int64_t offset) {
    const std::string path = CasPath(digest);
    struct stat before {};
    ASSERT_EQ(::stat(path.c_str(), &before), 0) << path;
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    {
      std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
      file.seekg(offset);
      char c = 0;
      file.get(c);
      file.seekp(offset);
      file.put(static_cast<char>(c ^ 0x20));
    }
    ASSERT_EQ(::chmod(path.c_str(), before.st_mode & 07777), 0);
    const timespec times[2] = {before.st_atim, before.st_mtim};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }

  bool IsMissing(const reapi::Digest& digest) {
    std::vector<reapi::Digest> missing;
    EXPECT_TRUE(FindMissing(cas(), "", {digest}, &missing).ok());
    return missing.size() == 1;
  }

  reapi::Digest UploadLarge(const std::string& data) {
    int64_t committed = 0;
    EXPECT_TRUE(ByteStreamWrite(bytestream(), WriteName("", data), data, 1 << 20, &committed).ok());
    return ProtoDigestOf(data);
  }

  std::vector<std::string> flags_ = {"--scrub-bytes-per-second", "0"};
};

TEST_F(CorruptBlobTest, ByteStreamReadEndsWithDataLossThenTheBlobIsMissingAndUploadsAgain) {
  const std::string data = PseudoRandomBytes(5 << 20, 7);
  const reapi::Digest digest = UploadLarge(data);
  FlipByte(digest, 3 << 20);

  std::string received;
  grpc::Status read = ByteStreamRead(bytestream(), ReadName("", data), &received);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::DATA_LOSS) << Describe(read);
  EXPECT_LT(received.size(), data.size()) << "the data sent before DATA_LOSS never completes the blob";
  const size_t before_damage = std::min<size_t>(received.size(), 3 << 20);
  EXPECT_EQ(received.substr(0, before_damage), data.substr(0, before_damage)) << "what was sent is the file's bytes";
  EXPECT_FALSE(fs::exists(CasPath(digest)));
  EXPECT_EQ(QuarantinedFiles(), 1u);
  EXPECT_TRUE(IsMissing(digest)) << "so that clients upload it again";

  UploadLarge(data);
  EXPECT_FALSE(IsMissing(digest));
  std::string again;
  ASSERT_TRUE(ByteStreamRead(bytestream(), ReadName("", data), &again).ok());
  EXPECT_EQ(again, data);
}

TEST_F(CorruptBlobTest, ByteStreamReadWithALimitStillChecksTheWholeBlob) {
  const std::string data = PseudoRandomBytes(2 << 20, 8);
  const reapi::Digest digest = UploadLarge(data);
  FlipByte(digest, data.size() - 10);
  std::string received;
  grpc::Status read = ByteStreamRead(bytestream(), ReadName("", data), &received, 0, 1000);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::DATA_LOSS) << Describe(read);
  EXPECT_TRUE(IsMissing(digest));
}

TEST_F(CorruptBlobTest, BatchReadBlobsNeverReturnsTheCorruptBytes) {
  const std::string good = "an intact neighbour";
  const std::string bad = "a source file that rots on disk";
  ASSERT_TRUE(BatchUpload(cas(), "", {good, bad}));
  FlipByte(ProtoDigestOf(bad), 4);
  for (int attempt = 0; attempt < 2; ++attempt) {
    reapi::BatchReadBlobsRequest request;
    *request.add_digests() = ProtoDigestOf(good);
    *request.add_digests() = ProtoDigestOf(bad);
    reapi::BatchReadBlobsResponse response;
    ASSERT_TRUE(BatchRead(cas(), request, &response).ok());
    ASSERT_EQ(response.responses_size(), 2);
    EXPECT_EQ(response.responses(0).status().code(), 0);
    EXPECT_EQ(response.responses(0).data(), good);
    const int code = response.responses(1).status().code();
    // DATA_LOSS when the read finds the damage, NOT_FOUND once it is quarantined.
    EXPECT_TRUE(code == grpc::StatusCode::DATA_LOSS || code == grpc::StatusCode::NOT_FOUND)
        << "attempt " << attempt << ": " << Describe(response.responses(1).status());
    EXPECT_EQ(attempt == 0 ? grpc::StatusCode::DATA_LOSS : grpc::StatusCode::NOT_FOUND, code);
    EXPECT_TRUE(response.responses(1).data().empty());
  }
  EXPECT_TRUE(IsMissing(ProtoDigestOf(bad)));
  EXPECT_EQ(QuarantinedFiles(), 1u);
}

class CorruptInputTest : public CorruptBlobTest, public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override {
    flags_ = {"--scrub-bytes-per-second", "0", "--workers", "1", "--sandbox", GetParam()};
    std::string error;
    server_ = KilnProcess::Start(data_dir_.path(), ServerFlags(), &error);
    if (!server_ && std::string(GetParam()) == "namespaces") GTEST_SKIP() << "no sandbox here: " << error;
    ASSERT_NE(server_, nullptr) << error;
  }
};

TEST_P(CorruptInputTest, ExecuteNeverRunsOnACorruptInputAndAsksForItAgain) {
  const std::string content = "input the action prints\n";
  const reapi::Digest input = Upload(cas(), content);
  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", "cat in"};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  auto* file = spec.input_root.add_files();
  file->set_name("in");
  *file->mutable_digest() = input;
  // A first run stages the input while it is intact (hardlinked where the sandbox allows).
  ExecuteResult first = Execute(server().channel(), UploadAction(cas(), spec));
  ASSERT_TRUE(first.status.ok()) << Describe(first.status);
  ASSERT_EQ(first.response.result().exit_code(), 0);
  EXPECT_EQ(ReadBlobText(bytestream(), first.response.result().stdout_digest()), content);

  FlipByte(input, 0);
  spec.salt = "after the damage";
  ExecuteResult run = Execute(server().channel(), UploadAction(cas(), spec));
  const std::string subject = "blobs/" + input.hash() + "/" + std::to_string(input.size_bytes());
  if (run.status.ok()) {
    // Found while staging: the operation ends with the REAPI missing-input status.
    EXPECT_EQ(run.response.status().code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(run.response.status());
    EXPECT_FALSE(run.response.result().has_stdout_digest()) << "the action must not have run: " << run.response.result().DebugString();
    EXPECT_EQ(run.response.result().execution_metadata().execution_start_timestamp().seconds(), 0) << run.response.result().DebugString();
    google::rpc::PreconditionFailure failure;
    ASSERT_EQ(run.response.status().details_size(), 1);
    ASSERT_TRUE(run.response.status().details(0).UnpackTo(&failure));
    ASSERT_EQ(failure.violations_size(), 1);
    EXPECT_EQ(failure.violations(0).type(), "MISSING");
    EXPECT_EQ(failure.violations(0).subject(), subject);
  } else {
    EXPECT_EQ(run.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(run.status);
    EXPECT_EQ(MissingSubjects(run.status), std::vector<std::string>{subject});
  }
  EXPECT_TRUE(IsMissing(input));
  EXPECT_EQ(QuarantinedFiles(), 1u);

  // What Bazel does next: upload the blob again and retry.
  Upload(cas(), content);
  ExecuteResult retried = Execute(server().channel(), UploadAction(cas(), spec));
  ASSERT_TRUE(retried.status.ok()) << Describe(retried.status);
  EXPECT_EQ(retried.response.status().code(), 0) << Describe(retried.response.status());
  EXPECT_EQ(ReadBlobText(bytestream(), retried.response.result().stdout_digest()), content);
}

INSTANTIATE_TEST_SUITE_P(Sandboxes, CorruptInputTest, ::testing::Values("none", "namespaces"));

TEST_F(CorruptBlobTest, ScrubberQuarantinesACorruptFileThatNoReadTouched) {
  const std::string data = PseudoRandomBytes(1 << 20, 9);
  const reapi::Digest digest = UploadLarge(data);
  const reapi::Digest neighbour = UploadLarge(PseudoRandomBytes(1 << 20, 10));
  // Corrupted while kiln is down, mtime restored: after the restart nothing is known to be
  // verified, so what finds the damage is the scrubber's hash, not a changed ctime.
  StopServer();
  FlipByte(digest, 100);
  flags_ = {"--scrub-bytes-per-second", "256M"};
  StartServer();
  bool quarantined = false;
  for (int i = 0; i < 300 && !quarantined; ++i) {  // Bounded: 30 s; 2 MiB at 256 MiB/s takes ms.
    quarantined = QuarantinedFiles() == 1;
    if (!quarantined) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(quarantined);
  EXPECT_TRUE(IsMissing(digest));
  EXPECT_FALSE(IsMissing(neighbour)) << "an intact blob stays";
}

TEST_F(CorruptBlobTest, GetActionResultIsAMissOnceAnOutputFileIsGoneFromDisk) {
  const std::string output = "an output file's content";
  ASSERT_TRUE(BatchUpload(cas(), "", {output}));
  reapi::ActionResult result;
  auto* file = result.add_output_files();
  file->set_path("out.txt");
  *file->mutable_digest() = ProtoDigestOf(output);
  const reapi::Digest action = ProtoDigestOf("the action whose output is deleted");
  {
    reapi::UpdateActionResultRequest request;
    *request.mutable_action_digest() = action;
    *request.mutable_action_result() = result;
    reapi::ActionResult stored;
    grpc::ClientContext context;
    SetDeadline(&context);
    ASSERT_TRUE(action_cache().UpdateActionResult(&context, request, &stored).ok());
  }
  const auto get = [&] {
    reapi::GetActionResultRequest request;
    *request.mutable_action_digest() = action;
    reapi::ActionResult got;
    grpc::ClientContext context;
    SetDeadline(&context);
    return action_cache().GetActionResult(&context, request, &got);
  };
  ASSERT_TRUE(get().ok());
  ASSERT_TRUE(fs::remove(CasPath(ProtoDigestOf(output))));
  grpc::Status miss = get();
  EXPECT_EQ(miss.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(miss);
  EXPECT_TRUE(IsMissing(ProtoDigestOf(output))) << "the stale index entry was dropped";
}

}  // namespace
}  // namespace kiln_test
