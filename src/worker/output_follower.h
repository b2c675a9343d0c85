// Follows a running command's stdout and stderr files and forwards what they gain to two
// sinks, so that clients see output while the action runs. A thread of its own polls the
// files while the command runs (the runner writes them, there is no pipe to wait on); once
// the command has ended the rest is forwarded on the caller's thread, so nothing written
// before the end is missed. Destroying the follower finishes both sinks, whether or not the
// command ever started.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/clock.h"
#include "common/file_util.h"
#include "worker/command_observer.h"

namespace kiln {

// Where followed output goes, in order. Best effort: live output is a convenience, the
// complete output still goes to the CAS, so a sink that fails just stops forwarding.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  virtual void Append(std::string_view data) = 0;
  // No more data. Called once.
  virtual void Finish() = 0;
};

class OutputFollower final : public CommandObserver {
 public:
  OutputFollower(std::unique_ptr<OutputSink> stdout_sink, std::unique_ptr<OutputSink> stderr_sink,
                 Duration poll_interval = std::chrono::milliseconds(100));
  ~OutputFollower() override;
  OutputFollower(const OutputFollower&) = delete;
  OutputFollower& operator=(const OutputFollower&) = delete;

  void CommandStarting(const std::string& stdout_path, const std::string& stderr_path) override;
  void CommandEnded() override;

 private:
  struct FollowedFile {
    std::string path;
    UniqueFd fd;  // Opened once the runner has created the file.
    std::unique_ptr<OutputSink> sink;
  };
  // Forwards whatever the file gained since the last call.
  static void Forward(FollowedFile& file);
  void StopPolling();

  FollowedFile stdout_;
  FollowedFile stderr_;
  const Duration poll_interval_;
  std::thread poller_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool stopping_ = false;
};

}  // namespace kiln
