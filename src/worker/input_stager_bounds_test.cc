// Staging stops when it must: between entries once the deadline passes (the action's
// timeout counts staging) or the run is cancelled, and before reading a Directory over
// the message cap.
#include <gtest/gtest.h>

#include <filesystem>

#include "cas/memory_blob_store.h"
#include "testing/read_counting_store.h"
#include "testing/temp_dir.h"
#include "testing/ticking_clock.h"
#include "worker/input_stager.h"
#include "worker/path_beneath.h"
#include "worker/test_inputs.h"

namespace kiln {
namespace {

using namespace kiln::testing;  // NOLINT: test helpers

class InputStagerBoundsTest : public ::testing::Test {
 protected:
  // A flat directory of `files` distinct files, and `directories` empty subdirectories.
  Digest FlatTree(int files, int directories = 0) {
    reapi::Directory root;
    for (int i = 0; i < files; ++i) AddFile(root, "f" + std::to_string(1000 + i), PutBlob(memory_, std::to_string(i)));
    for (int i = 0; i < directories; ++i) AddDirectory(root, "d" + std::to_string(1000 + i), PutMessage(memory_, reapi::Directory()));
    return PutMessage(memory_, root);
  }
  Status Stage(const Digest& tree, const InputStagerOptions& base) {
    InputStagerOptions options = base;
    options.cas = &cas_;
    InputStager stager(options, cancelled_);
    auto root_fd = OpenDirectory(work_.path());
    EXPECT_TRUE(root_fd.ok());
    Status status = stager.Stage(tree, root_fd->get());
    stats_ = stager.stats();
    return status;
  }
  size_t StagedEntries() const {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(work_.path()), {}));
  }

  TempDir work_;
  MemoryBlobStore memory_;
  ReadCountingStore cas_{&memory_};
  std::atomic<bool> cancelled_{false};
  StagingStats stats_;
};

TEST_F(InputStagerBoundsTest, StagingStopsBetweenFilesOnceTheDeadlinePasses) {
  const Digest tree = FlatTree(100);
  TickingClock clock(std::chrono::seconds(1));  // Every check of the deadline takes a second.
  InputStagerOptions options;
  options.clock = &clock;
  options.deadline = clock.Now() + std::chrono::seconds(10);
  Status status = Stage(tree, options);
  EXPECT_EQ(status.code(), StatusCode::kDeadlineExceeded) << status.ToString();
  EXPECT_NE(status.message().find("the inputs were still being staged"), std::string::npos) << status.message();
  EXPECT_GT(stats_.files_copied, 0);
  EXPECT_LT(stats_.files_copied, 20) << "staging went on past the deadline";
  EXPECT_LE(StagedEntries(), static_cast<size_t>(stats_.files_copied) + 1) << "at most one file begun";
}

TEST_F(InputStagerBoundsTest, StagingStopsBetweenSubdirectoriesOnceTheDeadlinePasses) {
  const Digest tree = FlatTree(0, 100);
  TickingClock clock(std::chrono::seconds(1));
  InputStagerOptions options;
  options.clock = &clock;
  options.deadline = clock.Now() + std::chrono::seconds(10);
  EXPECT_EQ(Stage(tree, options).code(), StatusCode::kDeadlineExceeded);
  EXPECT_LT(StagedEntries(), 20u);
}

TEST_F(InputStagerBoundsTest, APassedDeadlineStagesNothing) {
  const Digest tree = FlatTree(3);
  FakeClock clock;
  InputStagerOptions options;
  options.clock = &clock;
  options.deadline = clock.Now();
  EXPECT_EQ(Stage(tree, options).code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(StagedEntries(), 0u);
  // Without a deadline (the default), the same tree stages.
  EXPECT_TRUE(Stage(tree, InputStagerOptions()).ok());
  EXPECT_EQ(StagedEntries(), 3u);
}

TEST_F(InputStagerBoundsTest, CancellationStopsStagingBetweenFiles) {
  const Digest tree = FlatTree(200);
  // A clock whose reads cancel the run after a few files: cancellation arrives mid-directory.
  class CancellingClock final : public Clock {
   public:
    explicit CancellingClock(std::atomic<bool>& cancelled) : cancelled_(cancelled) {}
    TimePoint Now() const override {
      if (++reads_ == 5) cancelled_ = true;
      return TimePoint();
    }
   private:
    std::atomic<bool>& cancelled_;
    mutable int reads_ = 0;
  } clock(cancelled_);
  InputStagerOptions options;
  options.clock = &clock;
  options.deadline = TimePoint::max();
  Status status = Stage(tree, options);
  EXPECT_EQ(status.code(), StatusCode::kCancelled) << status.ToString();
  EXPECT_LT(StagedEntries(), 10u);
}

TEST_F(InputStagerBoundsTest, ADirectoryOverTheMessageCapIsRefusedUnread) {
  reapi::Directory big;
  for (int i = 0; i < 40; ++i) AddFile(big, "file" + std::to_string(100 + i), PutBlob(memory_, std::to_string(i)));
  const Digest big_digest = PutMessage(memory_, big);
  reapi::Directory root;
  AddDirectory(root, "big", big_digest);
  InputStagerOptions options;
  options.max_message_bytes = 1000;
  Status status = Stage(PutMessage(memory_, root), options);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("input directory big (" + big_digest.ToString() + ") is " +
                                  std::to_string(big_digest.size()) + " bytes, over the limit of 1000 bytes"),
            std::string::npos)
      << status.message();
  EXPECT_EQ(cas_.reads_of(big_digest), 0);
  EXPECT_TRUE(status.missing_blobs().empty()) << "the blob is there; it is too big";
}

}  // namespace
}  // namespace kiln
