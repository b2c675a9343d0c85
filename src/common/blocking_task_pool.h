// A few threads for work that blocks (downloads, git, direct disk writes), so that gRPC's
// callback threads never wait on the network or the disk. Tasks run in submission order; Stop() runs what is queued
// and joins the threads, so every queued task (and the RPC it will finish) completes.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"

namespace kiln {

// How a pool's threads show and how they compete for the CPU.
struct TaskThreadStyle {
  // Thread name shown by top -H and in /proc (at most 15 characters; empty: inherited).
  std::string name;
  // Niceness added to the threads' (0..19). Bulk work that a client can pile up (an upload
  // flood's file creation) runs at a lower priority than gRPC's threads, so that calls
  // keep being answered while the machine is busy; when nothing competes it costs nothing.
  int nice = 0;
};

class BlockingTaskPool {
 public:
  // `task_noun` names the tasks in errors ("fetches").
  BlockingTaskPool(int threads, size_t max_queued, std::string task_noun = "tasks", TaskThreadStyle style = {});
  ~BlockingTaskPool() { Stop(); }

  // RESOURCE_EXHAUSTED when `max_queued` tasks are already waiting; UNAVAILABLE after
  // Stop(). The task is not run then.
  Status Submit(std::function<void()> task);
  void Stop();

 private:
  void RunTasks();

  const size_t max_queued_;
  const std::string task_noun_;
  const TaskThreadStyle style_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::deque<std::function<void()>> queue_;  // Guarded by mutex_.
  bool stopping_ = false;                    // Guarded by mutex_.
  std::vector<std::thread> threads_;
};

}  // namespace kiln
