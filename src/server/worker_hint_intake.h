// The frontend's side of its workers' hints (WorkerMessage.storage_hints): a `kiln worker`
// that writes to the storage ring itself and had to place a copy past a down owner sends the
// hint here, and the frontend lists it for its own handoff pass (in the backplane, for a
// frontend of the backplane's ring), where it outlives the worker.
//
// A worker is not trusted with the list: a hint is taken only if it has a valid digest and
// names one of that blob's owners in the ring this frontend serves now (the only nodes a
// write that skipped a down owner hints), and a message carries at most
// kMaxStorageHintsPerMessage of them. What passes can only cost the handoff pass a FindMissing
// on the owner and a copy attempt: a copy is made only from a node that has the blob, and the
// owner checks it against its digest. Refused hints are counted
// (kiln_worker_storage_hints_total{outcome="refused"}).
//
// Thread-safe: each worker stream calls it on its own reads.
#pragma once

#include <atomic>
#include <cstdint>

#include "cas/hint_list.h"
#include "cas/storage_ring_publisher.h"
#include "kiln/worker/v1/worker.pb.h"
#include "metrics/metric_family.h"

namespace kiln {

struct WorkerHintCounts {
  int64_t listed = 0;
  int64_t refused = 0;  // Not an owner in the ring, no valid digest, or beyond a message's cap.
  int64_t dropped = 0;  // Valid, but the list did not take them (full, or unreachable).
};

class WorkerHintIntake {
 public:
  // REQUIRES: `rings`, `hints` and `counter` (null: no metric) outlive this.
  WorkerHintIntake(const StorageRingPublisher* rings, HintList* hints,
                   metrics::Family<metrics::Counter>* counter = nullptr);

  // What happened to each hint of `message`.
  WorkerHintCounts Accept(const ::kiln::worker::v1::StorageHints& message);
  // Since the start.
  WorkerHintCounts totals() const;

 private:
  const StorageRingPublisher* const rings_;
  HintList* const hints_;
  metrics::Counter* listed_metric_ = nullptr;
  metrics::Counter* refused_metric_ = nullptr;
  metrics::Counter* dropped_metric_ = nullptr;
  std::atomic<int64_t> listed_{0}, refused_{0}, dropped_{0};
};

}  // namespace kiln
