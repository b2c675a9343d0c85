// Runs calls that may hang -- a storage node that stops answering without closing its
// connection -- on threads of its own, so that the caller can stop waiting for them after a
// deadline and move on to another node. A call past its deadline is abandoned, not
// cancelled: it keeps its thread until it returns (a remote node's own RPC deadline ends it
// eventually), so a call must own or share everything it touches, never borrow the caller's
// stack or buffers.
//
// Threads are started when calls need them, up to a limit, and then kept; calls beyond the
// limit wait in a queue, and those still queued at their deadline are never run.
//
// Thread-safe. The destructor drops queued calls and waits for running ones to return.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/blocking_task_pool.h"
#include "common/clock.h"
#include "common/status.h"

namespace kiln {

class DeadlineExecutor {
 public:
  explicit DeadlineExecutor(int max_threads, TaskThreadStyle style = {});
  ~DeadlineExecutor();
  DeadlineExecutor(const DeadlineExecutor&) = delete;
  DeadlineExecutor& operator=(const DeadlineExecutor&) = delete;

  // Runs every call at once and waits until all have returned or `timeout` has passed.
  // Returns each call's Status, in order; nullopt for a call that had not returned by then
  // (it finishes in the background, or is dropped if it never started).
  std::vector<std::optional<Status>> RunAll(std::vector<std::function<Status()>> calls, Duration timeout);

  // Calls that are running now, abandoned ones included.
  int running() const;

 private:
  struct Batch;
  void Enqueue(std::function<void()> task);
  void RunTasks();

  const int max_threads_;
  const TaskThreadStyle style_;
  mutable std::mutex mutex_;
  std::condition_variable wakeup_;
  std::deque<std::function<void()>> queue_;  // Guarded by mutex_.
  int idle_ = 0;                             // Guarded by mutex_.
  int running_ = 0;                          // Guarded by mutex_.
  bool stopping_ = false;                    // Guarded by mutex_.
  std::vector<std::thread> threads_;         // Guarded by mutex_.
};

}  // namespace kiln
