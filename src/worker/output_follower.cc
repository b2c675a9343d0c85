#include "worker/output_follower.h"

#include <memory>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace kiln {

// Large enough that a chatty command is forwarded in few messages.
constexpr size_t kForwardChunkBytes = 64 * 1024;

OutputFollower::OutputFollower(std::unique_ptr<OutputSink> stdout_sink, std::unique_ptr<OutputSink> stderr_sink,
                               Duration poll_interval)
    : poll_interval_(poll_interval) {
  stdout_.sink = std::move(stdout_sink);
  stderr_.sink = std::move(stderr_sink);
}

OutputFollower::~OutputFollower() {
  StopPolling();
  if (stdout_.sink) stdout_.sink->Finish();
  if (stderr_.sink) stderr_.sink->Finish();
}

void OutputFollower::CommandStarting(const std::string& stdout_path, const std::string& stderr_path) {
  stdout_.path = stdout_path;
  stderr_.path = stderr_path;
  poller_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wakeup_.wait_for(lock, poll_interval_, [this] { return stopping_; })) {
      lock.unlock();
      Forward(stdout_);
      Forward(stderr_);
      lock.lock();
    }
  });
}

void OutputFollower::CommandEnded() {
  StopPolling();
  Forward(stdout_);  // What was written between the last poll and the end.
  Forward(stderr_);
}

void OutputFollower::StopPolling() {
  if (!poller_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  poller_.join();
}

void OutputFollower::Forward(FollowedFile& file) {
  if (!file.sink || file.path.empty()) return;
  if (!file.fd.valid()) {
    file.fd = UniqueFd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file.fd.valid()) return;  // Not created yet (or gone): nothing to forward.
  }
  // Reused by the thread: zero-filling a fresh buffer on every poll of every action cost
  // more than the reads themselves when there is nothing new.
  thread_local std::unique_ptr<char[]> buffer(new char[kForwardChunkBytes]);
  while (true) {
    const ssize_t n = ::read(file.fd.get(), buffer.get(), kForwardChunkBytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // Caught up (or unreadable: the CAS upload reports real errors).
    file.sink->Append(std::string_view(buffer.get(), static_cast<size_t>(n)));
  }
}

}  // namespace kiln
