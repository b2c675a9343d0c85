#include "common/deadline_executor.h"

#include <pthread.h>

namespace kiln {

// What one RunAll waits for. Shared with its calls, which may outlive the RunAll.
struct DeadlineExecutor::Batch {
  std::mutex mutex;
  std::condition_variable done;
  std::vector<std::optional<Status>> results;  // Guarded by mutex.
  size_t remaining = 0;                        // Guarded by mutex.
  bool abandoned = false;                      // Guarded by mutex: the caller stopped waiting.
};

DeadlineExecutor::DeadlineExecutor(int max_threads, TaskThreadStyle style)
    : max_threads_(max_threads < 1 ? 1 : max_threads), style_(std::move(style)) {}

DeadlineExecutor::~DeadlineExecutor() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
    threads.swap(threads_);
  }
  wakeup_.notify_all();
  for (std::thread& thread : threads) thread.join();
}

std::vector<std::optional<Status>> DeadlineExecutor::RunAll(std::vector<std::function<Status()>> calls, Duration timeout) {
  auto batch = std::make_shared<Batch>();
  batch->results.resize(calls.size());
  batch->remaining = calls.size();
  for (size_t i = 0; i < calls.size(); ++i) {
    Enqueue([batch, i, call = std::move(calls[i])] {
      {
        std::lock_guard lock(batch->mutex);
        if (batch->abandoned) return;  // Queued past its deadline: nobody wants it now.
      }
      Status status = call();
      std::lock_guard lock(batch->mutex);
      if (batch->abandoned) return;  // The results were handed over without this one.
      batch->results[i] = std::move(status);
      if (--batch->remaining == 0) batch->done.notify_all();
    });
  }
  std::unique_lock lock(batch->mutex);
  batch->done.wait_for(lock, timeout, [&] { return batch->remaining == 0; });
  batch->abandoned = true;
  return std::move(batch->results);
}

int DeadlineExecutor::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

void DeadlineExecutor::Enqueue(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;  // The batch then times out: only a caller racing the destructor.
    queue_.push_back(std::move(task));
    // A thread per call up to the limit: a call that hangs must not hold up the others.
    if (idle_ < static_cast<int>(queue_.size()) && static_cast<int>(threads_.size()) < max_threads_) {
      threads_.emplace_back([this] { RunTasks(); });
    }
  }
  wakeup_.notify_one();
}

void DeadlineExecutor::RunTasks() {
  if (!style_.name.empty()) pthread_setname_np(pthread_self(), style_.name.substr(0, 15).c_str());
  std::unique_lock lock(mutex_);
  while (true) {
    ++idle_;
    wakeup_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (stopping_) return;
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    task();
    lock.lock();
    --running_;
  }
}

}  // namespace kiln
