#include "common/blocking_task_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace kiln {

namespace {

// Linux keeps a niceness per thread: PRIO_PROCESS with a thread id sets this thread's only.
void ApplyStyle(const TaskThreadStyle& style) {
  if (!style.name.empty()) pthread_setname_np(pthread_self(), style.name.substr(0, 15).c_str());
  if (style.nice > 0) {
    const int current = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    // Lowering one's own priority needs no privilege; a failure leaves it as it was.
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), std::min(current + style.nice, 19));
  }
}

}  // namespace

BlockingTaskPool::BlockingTaskPool(int threads, size_t max_queued, std::string task_noun, TaskThreadStyle style)
    : max_queued_(max_queued), task_noun_(std::move(task_noun)), style_(std::move(style)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { RunTasks(); });
}

Status BlockingTaskPool::Submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Status::Unavailable("the server is shutting down");
    if (queue_.size() >= max_queued_) {
      return Status::ResourceExhausted("too many " + task_noun_ + " waiting (" + std::to_string(max_queued_) +
                                       "); retry later");
    }
    queue_.push_back(std::move(task));
  }
  wakeup_.notify_one();
  return Status::Ok();
}

void BlockingTaskPool::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void BlockingTaskPool::RunTasks() {
  ApplyStyle(style_);
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wakeup_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // Stopping, and nothing left to run.
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace kiln
