// One log stream's bytes: appended by its writer at ever-growing offsets, read by any number
// of readers, finalized once. Readers that caught up ask to be told (once) when there is
// more or the stream ended, instead of holding a thread.
//
// Memory is bounded: past `max_stored_bytes`, or once the server-wide budget of live log
// memory it draws from is spent, the writer's bytes are still accepted (its offsets keep
// counting, so it never fails because of the cap) but no longer stored, and readers see one
// notice saying that the live output was cut, why, and where the whole output is. The
// budget gets the stream's bytes back when it is finalized (finalized streams are counted
// by the registry) or destroyed.
//
// Thread-safe. Waiters are called without the stream's lock held, on the thread of the
// Append/Finalize that made them ready.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_budget.h"
#include "common/clock.h"
#include "common/status.h"

namespace kiln {

class LogStream {
 public:
  using Waiter = std::function<void()>;
  using WaitId = uint64_t;

  // `live_budget` may be null (no server-wide budget).
  LogStream(std::string read_name, int64_t max_stored_bytes, std::shared_ptr<ByteBudget> live_budget, TimePoint now);
  ~LogStream();

  const std::string& read_name() const { return read_name_; }

  // --- Writer side ---
  // INVALID_ARGUMENT unless `offset` is exactly the committed size; FAILED_PRECONDITION
  // once finalized.
  Status Append(int64_t offset, std::string_view data, TimePoint now);
  // Wakes every waiting reader. Idempotent: true only for the call that finalized.
  bool Finalize(TimePoint now);
  struct WriteState {
    int64_t committed_size = 0;  // Bytes the writer sent, stored or not.
    bool finalized = false;
  };
  WriteState write_state() const;
  // When the writer last appended or finalized (for retention and abandonment).
  TimePoint last_change() const;
  // The bytes kept for readers (at most max_stored_bytes, plus the notice if cut).
  int64_t stored_bytes() const;

  // --- Reader side ---
  struct Slice {
    std::string data;     // Up to max_bytes from the offset; empty if nothing is there yet.
    bool finalized = false;
    int64_t stored_size = 0;  // What readers can read in all, at the time of the read.
  };
  // Offsets are into what readers see (the stored bytes, plus the notice if cut).
  Slice Read(int64_t offset, size_t max_bytes) const;
  // Arranges for `waiter` to be called once, from a later Append or Finalize, when bytes
  // past `offset` are stored or the stream is finalized, and returns an id for CancelWait.
  // If that is already so, returns 0 and never calls `waiter`: read again instead. (So a
  // waiter never runs on the caller's thread, inside whatever lock the caller holds.)
  WaitId WhenReadable(int64_t offset, Waiter waiter);
  // The waiter will not be called after this returns, unless it is being called now.
  void CancelWait(WaitId id);

 private:
  struct Waiting {
    int64_t offset;
    Waiter waiter;
  };
  // REQUIRES: mutex_ held. Moves the waiters that can now proceed into `ready`.
  void TakeReady(std::vector<Waiter>& ready);

  const std::string read_name_;
  const int64_t max_stored_bytes_;
  const std::shared_ptr<ByteBudget> live_budget_;
  int64_t budget_taken_ = 0;  // What this stream holds of live_budget_.
  mutable std::mutex mutex_;
  std::string stored_;
  int64_t committed_size_ = 0;
  bool cut_ = false;
  bool finalized_ = false;
  TimePoint last_change_;
  WaitId next_wait_id_ = 1;
  std::map<WaitId, Waiting> waiting_;
};

}  // namespace kiln
