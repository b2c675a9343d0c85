#include "logstream/log_stream.h"

#include <algorithm>
#include <vector>

namespace kiln {

LogStream::LogStream(std::string read_name, int64_t max_stored_bytes, std::shared_ptr<ByteBudget> live_budget,
                     TimePoint now)
    : read_name_(std::move(read_name)),
      max_stored_bytes_(max_stored_bytes),
      live_budget_(std::move(live_budget)),
      last_change_(now) {}

LogStream::~LogStream() {
  if (live_budget_) live_budget_->GiveBack(budget_taken_);
}

Status LogStream::Append(int64_t offset, std::string_view data, TimePoint now) {
  std::vector<Waiter> ready;
  {
    std::lock_guard lock(mutex_);
    if (finalized_) {
      return Status::FailedPrecondition("log stream " + read_name_ + " is finalized (finish_write was sent); "
                                        "it takes no more writes");
    }
    if (offset != committed_size_) {
      return Status::InvalidArgument("write_offset " + std::to_string(offset) + " does not continue log stream " +
                                     read_name_ + ", whose committed size is " + std::to_string(committed_size_));
    }
    committed_size_ += static_cast<int64_t>(data.size());
    last_change_ = now;
    if (!cut_) {
      const int64_t wanted = std::min(max_stored_bytes_ - static_cast<int64_t>(stored_.size()),
                                      static_cast<int64_t>(data.size()));
      const int64_t granted = live_budget_ ? live_budget_->TakeUpTo(wanted) : wanted;
      budget_taken_ += granted;
      stored_.append(data.substr(0, static_cast<size_t>(granted)));
      if (static_cast<int64_t>(data.size()) > granted) {
        cut_ = true;
        const std::string why = granted < wanted ? " (the server's memory for live output, --max-live-log-bytes, is in use)"
                                                 : " after " + std::to_string(max_stored_bytes_) + " bytes";
        stored_ += "\n[kiln: live output cut" + why + "; the action's complete output is in its ActionResult]\n";
      }
    }
    TakeReady(ready);
  }
  for (Waiter& waiter : ready) waiter();
  return Status::Ok();
}

bool LogStream::Finalize(TimePoint now) {
  std::vector<Waiter> ready;
  {
    std::lock_guard lock(mutex_);
    if (finalized_) return false;
    finalized_ = true;
    last_change_ = now;
    // From now on the registry's budget for finalized streams counts these bytes.
    if (live_budget_) live_budget_->GiveBack(budget_taken_);
    budget_taken_ = 0;
    TakeReady(ready);
  }
  for (Waiter& waiter : ready) waiter();
  return true;
}

LogStream::WriteState LogStream::write_state() const {
  std::lock_guard lock(mutex_);
  return WriteState{committed_size_, finalized_};
}

int64_t LogStream::stored_bytes() const {
  std::lock_guard lock(mutex_);
  return static_cast<int64_t>(stored_.size());
}

TimePoint LogStream::last_change() const {
  std::lock_guard lock(mutex_);
  return last_change_;
}

LogStream::Slice LogStream::Read(int64_t offset, size_t max_bytes) const {
  std::lock_guard lock(mutex_);
  Slice slice;
  slice.finalized = finalized_;
  slice.stored_size = static_cast<int64_t>(stored_.size());
  if (offset >= 0 && offset < slice.stored_size) slice.data = stored_.substr(static_cast<size_t>(offset), max_bytes);
  return slice;
}

LogStream::WaitId LogStream::WhenReadable(int64_t offset, Waiter waiter) {
  std::lock_guard lock(mutex_);
  if (finalized_ || offset < static_cast<int64_t>(stored_.size())) return 0;
  const WaitId id = next_wait_id_++;
  waiting_.emplace(id, Waiting{offset, std::move(waiter)});
  return id;
}

void LogStream::CancelWait(WaitId id) {
  std::lock_guard lock(mutex_);
  waiting_.erase(id);
}

void LogStream::TakeReady(std::vector<Waiter>& ready) {
  const auto stored = static_cast<int64_t>(stored_.size());
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (finalized_ || it->second.offset < stored) {
      ready.push_back(std::move(it->second.waiter));
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace kiln
