// Restores missing copies of blobs in a replicated CAS, in the background: a read that
// found an owner lacking a blob (or holding a corrupt copy) schedules a copy from the node
// that had it, and a write that had to skip a down owner leaves a hint, which a periodic
// handoff pass turns into a copy once the owner answers again. Repairs wait in a bounded
// queue; when it is full they are counted as dropped and kept as hints for the next handoff pass.
//
// Hints live in a HintList (hint_list.h): this process's memory by default, where a frontend
// that restarts forgets them (its blobs reach their owners again through read repair or the
// next repair pass over the whole ring, ring_repair_pass.h), or the farm's backplane, where
// they outlive it.
//
// Thread-safe. The destructor drops what is queued (kept as hints, as are those a handoff
// pass took and had not scheduled yet) and waits for the repairs running.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "cas/hint_list.h"
#include "cas/replica_nodes.h"
#include "common/blocking_task_pool.h"

namespace kiln {

struct ReplicaRepairOptions {
  int threads = 2;
  size_t max_queued = 10000;
  size_t max_hints = 100000;  // Of the memory list, when `hints` is null.
  HintList* hints = nullptr;  // Shared, not owned; outlives the repairer. Null: a list of its own in memory.
  // How often the handoff pass runs; zero: only when RunHandoffPass is called.
  Duration handoff_interval = std::chrono::seconds(30);
  // Deadlines of each call to a node: opening, and each chunk moved.
  Duration call_timeout = std::chrono::seconds(10);
  Duration transfer_timeout = std::chrono::seconds(60);
};

struct ReplicaRepairStats {
  int64_t scheduled = 0;
  int64_t repaired = 0;     // Copies made.
  int64_t unneeded = 0;     // The target had the blob by the time the repair ran.
  int64_t failed = 0;       // No node could supply the blob.
  int64_t dropped = 0;      // The queue was full.
  int64_t hints = 0;        // Waiting for their owner now.
  int64_t hints_dropped = 0;
};

class ReplicaRepairer {
 public:
  ReplicaRepairer(ReplicaNodes& nodes, ReplicaRepairOptions options);
  ~ReplicaRepairer();

  // Copies `digest` onto `target` in the background, from `source` if it can, else from any
  // other node that has it. `rewrite`: even if the target says it has it (it served a copy
  // that did not match the digest). A repair of the same blob onto the same node that is
  // queued or running already is not scheduled twice.
  void Schedule(const Digest& digest, size_t target, std::optional<size_t> source, bool rewrite = false);
  // `owner` should hold a copy of `digest` but could not take it (down); the handoff pass
  // copies it there once it answers.
  void AddHint(const Digest& digest, size_t owner);
  // Schedules a repair for every hint listed now (whoever wrote it, for a shared list);
  // those whose owner is still down become hints again. Hints naming a node that is not in
  // this ring are dropped: it was removed, and the ring's repair pass places its copies.
  void RunHandoffPass();
  // Blocks until no repair is queued or running.
  void WaitIdle();

  ReplicaRepairStats stats() const;

 private:
  void Repair(const Digest& digest, size_t target, std::optional<size_t> source, bool rewrite);
  void RunHandoffLoop();

  ReplicaNodes& nodes_;
  const ReplicaRepairOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::set<std::pair<std::string, size_t>> pending_;  // Queued or running. Guarded by mutex_.
  std::unique_ptr<HintList> own_hints_;  // When options_.hints is null.
  HintList& hints_;
  ReplicaRepairStats stats_;                          // Guarded by mutex_.
  bool stopping_ = false;                             // Guarded by mutex_.
  std::thread handoff_thread_;
  BlockingTaskPool pool_;  // Last: stopped first, while the rest is valid.
};

// What happened when copying a blob from one node to another.
struct NodeCopyResult {
  Status status;
  bool target_failed = false;  // Else, if !status.ok(), the source failed.
};

// Streams `digest` from node `from` to node `to`, each call with its deadline. The target's
// writer checks the bytes against the digest, so a bad source fails (DATA_LOSS) rather than
// spreading its corruption.
NodeCopyResult CopyBetweenNodes(ReplicaNodes& nodes, const Digest& digest, size_t from, size_t to,
                                Duration call_timeout, Duration transfer_timeout);

}  // namespace kiln
