#include "worker/output_follower.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>

#include "testing/temp_dir.h"

namespace kiln {
namespace {

// Records what it is given; lets the test wait (bounded) for some text to arrive.
struct Recording {
  std::mutex mutex;
  std::condition_variable changed;
  std::string data;
  int finished = 0;

  bool WaitFor(const std::string& text) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(20), [&] { return data.find(text) != std::string::npos; });
  }
};

class RecordingSink final : public OutputSink {
 public:
  explicit RecordingSink(Recording* recording) : recording_(recording) {}
  void Append(std::string_view data) override {
    std::lock_guard lock(recording_->mutex);
    recording_->data.append(data);
    recording_->changed.notify_all();
  }
  void Finish() override {
    std::lock_guard lock(recording_->mutex);
    ++recording_->finished;
  }

 private:
  Recording* recording_;
};

void AppendToFile(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::app | std::ios::binary);
  file << text;
}

TEST(OutputFollowerTest, ForwardsOutputWhileTheCommandRunsAndTheRestAtTheEnd) {
  TempDir dir;
  const std::string out_path = dir.path() + "/stdout";
  const std::string err_path = dir.path() + "/stderr";
  Recording out, err;
  {
    OutputFollower follower(std::make_unique<RecordingSink>(&out), std::make_unique<RecordingSink>(&err),
                            std::chrono::milliseconds(5));
    follower.CommandStarting(out_path, err_path);  // The files do not exist yet.
    AppendToFile(out_path, "first\n");
    AppendToFile(err_path, "oops\n");
    // Forwarded while the "command" is still running: CommandEnded has not been called.
    ASSERT_TRUE(out.WaitFor("first\n"));
    ASSERT_TRUE(err.WaitFor("oops\n"));
    AppendToFile(out_path, "second\n");
    follower.CommandEnded();
    EXPECT_EQ(out.data, "first\nsecond\n");  // Nothing written before the end is lost.
    EXPECT_EQ(err.data, "oops\n");
    EXPECT_EQ(out.finished, 0);
  }
  EXPECT_EQ(out.finished, 1);
  EXPECT_EQ(err.finished, 1);
}

TEST(OutputFollowerTest, SinksAreFinishedEvenIfTheCommandNeverStarted) {
  Recording out;
  { OutputFollower follower(std::make_unique<RecordingSink>(&out), nullptr); }
  EXPECT_EQ(out.finished, 1);
  EXPECT_EQ(out.data, "");
}

}  // namespace
}  // namespace kiln
