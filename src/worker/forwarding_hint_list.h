// The HintList (cas/hint_list.h) of a `kiln worker` that writes to the storage nodes itself:
// every hint is kept in the worker's own list, for its own handoff pass (cheap, and at once
// when the owner answers again), and queued for the frontend it is connected to, whose list
// outlives the worker (the backplane's, for a frontend of its ring). A worker that stops or
// restarts before the owner answers loses its own list; the frontend's handoff pass still
// moves the copy. The sending is the worker's connection's business (client/remote_worker.h):
// this only keeps the queue, and knows nothing of the stream.
//
// A hint the worker's handoff pass finds still undeliverable is added again; it is not
// queued again, since the frontend has it already (remembered for up to `max_queued` hints,
// then forgotten at once: a second copy of a hint costs the frontend nothing but the call).
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cas/hint_list.h"
#include "common/clock.h"

namespace kiln {

struct ForwardedHintStats {
  int64_t queued = 0;   // Waiting to be sent now.
  int64_t dropped = 0;  // Not queued: the queue was full.
};

class ForwardingHintList final : public HintList {
 public:
  // `local`: the worker's own list. `max_queued`: hints waiting for the frontend at most.
  ForwardingHintList(std::unique_ptr<HintList> local, size_t max_queued);

  // Lists the hint locally and queues it for the frontend, unless queued or sent already.
  // False when the local list dropped it (the frontend may still have it).
  bool Add(const BlobHint& hint) override;
  // The local list's: the worker's own handoff pass.
  std::vector<BlobHint> Take(size_t max) override;
  int64_t Size() const override;

  // Up to `max` of the hints queued for the frontend, oldest first, now theirs to send.
  std::vector<BlobHint> TakeQueued(size_t max);
  // Hints taken from the queue that could not be sent (the stream broke): first in line
  // again. Beyond the queue's bound they are dropped.
  void Requeue(std::vector<BlobHint> hints);
  // Waits until a hint is queued, StopWaiting is called, or `timeout` passes; whether
  // hints are queued.
  bool WaitForQueued(Duration timeout);
  // Makes every WaitForQueued, now and later, return at once: the sender is stopping.
  void StopWaiting();
  // The worker connected to a (maybe other) frontend: hints sent to the previous one count
  // as not sent, so the worker's handoff pass queues those still undelivered again.
  void FrontendChanged();

  ForwardedHintStats stats() const;

 private:
  using Key = std::pair<std::string, std::string>;  // (digest, owner)
  static Key KeyOf(const BlobHint& hint) { return {hint.digest.ToString(), hint.owner}; }

  const std::unique_ptr<HintList> local_;
  const size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable queued_changed_;
  std::deque<BlobHint> queue_;  // Guarded by mutex_.
  std::set<Key> forwarded_;     // Queued or sent to this frontend. Guarded by mutex_.
  bool stop_waiting_ = false;   // Guarded by mutex_.
  int64_t dropped_ = 0;         // Guarded by mutex_.
};

}  // namespace kiln
