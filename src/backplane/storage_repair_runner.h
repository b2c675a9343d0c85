// Runs the storage ring's repair pass (cas/ring_repair_pass.h) on whichever frontend of the
// farm holds the repair lease (repair_lease.h), and keeps the farm's record of it
// (repair_record.h) so that a pass survives its frontend: another one resumes from the
// saved cursor. What a frontend started with --backplane and no --cas runs.
//
// A pass starts when the ring (members, weights, R) is not the one the last pass finished
// over -- a node removed for good, one added -- and otherwise every `interval`, so that a
// wiped disk heals, or sooner (`retry_interval`) after a pass that could not list a node
// or make a copy. A pass whose ring changes under it starts again over the new one. While
// it runs, progress lines go to standard error.
//
// Thread-safe. Start() runs the loop on a thread of its own; tests call RunOnce.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "backplane/repair_lease.h"
#include "backplane/repair_record.h"
#include "backplane/storage_directory.h"
#include "cas/blob_listing.h"
#include "cas/blob_store.h"
#include "cas/ring_repair_pass.h"

namespace kiln {

// How the pass reaches one storage node: its CAS, and its listing.
struct RepairNodeAccess {
  std::shared_ptr<BlobStore> store;
  std::shared_ptr<BlobLister> lister;
};
using RepairNodeFactory = std::function<StatusOr<RepairNodeAccess>(const std::string& target)>;
// The ring's members now, by name (a frontend's StorageRingFollower knows them already).
using RingMembersSource = std::function<StatusOr<std::vector<StorageNodeEntry>>()>;

struct StorageRepairOptions {
  std::string key_namespace = "default";
  std::string runner_name;  // Who this is, in the record and the lease ("frontend grpc://...").
  size_t replicas = 2;
  RingRepairOptions pass;  // Its replicas are `replicas`; its clock is `clock`.
  Duration interval = std::chrono::hours(24);  // Zero: only when the ring changes.
  Duration retry_interval = std::chrono::minutes(10);
  Duration lease_ttl = std::chrono::seconds(60);
  Duration lease_renewal = std::chrono::seconds(10);
  // How often a frontend without the lease asks for it (a Redis command each time).
  Duration lease_poll = std::chrono::seconds(10);
  // How often an idle holder looks at the ring (no Redis command: the members source's),
  // and re-reads the farm's record of the last pass (one command).
  Duration idle_poll = std::chrono::seconds(1);
  Duration record_poll = std::chrono::minutes(1);
  Duration checkpoint_interval = std::chrono::seconds(5);  // Saving the cursor and counters.
  Duration ring_check_interval = std::chrono::seconds(1);
  Duration progress_interval = std::chrono::seconds(10);  // Lines on stderr.
  const Clock* clock = SystemClock::Get();
};

class StorageRepairRunner {
 public:
  // REQUIRES: client outlives the runner.
  StorageRepairRunner(redis::RedisClient* client, RingMembersSource members, RepairNodeFactory factory,
                      StorageRepairOptions options);
  // Stops the thread (after the step it is in) and gives up the lease.
  ~StorageRepairRunner();

  void Start();
  // One turn of the loop: take or renew the lease, start, step or finish a pass; returns how
  // long to wait before the next turn.
  Duration RunOnce();
  // Whether a pass runs here now.
  bool running() const;
  // The pass as this runner last saved it (or would save it now).
  RepairRecord record() const;

 private:
  struct Pass;
  Duration StartPassIfDue();
  Duration StepPass();
  // Saves the running pass's progress; prints a line when due.
  void Checkpoint(bool force);
  void FinishPass();
  void DropPass(const std::string& why);
  bool RenewLease();

  redis::RedisClient* const client_;
  const RingMembersSource members_;
  const RepairNodeFactory factory_;
  const StorageRepairOptions options_;
  RepairLease lease_;
  RepairRecordStore records_;
  std::map<std::string, RepairNodeAccess> node_access_;  // By name, kept across passes.
  std::unique_ptr<Pass> pass_;
  TimePoint next_renewal_{};
  TimePoint next_checkpoint_{};
  TimePoint next_ring_check_{};
  TimePoint next_progress_{};
  std::string checked_ring_;   // The ring StartPassIfDue found no pass due for,
  TimePoint next_record_read_{};  // until this time.
  mutable std::mutex mutex_;
  RepairRecord record_;  // Guarded by mutex_.
  bool running_ = false;  // Guarded by mutex_.
  std::mutex run_mutex_;  // Serialises RunOnce.
  std::mutex stop_mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;  // Guarded by stop_mutex_.
  std::thread thread_;
};

// A progress line: "37.5% (4,096 blobs scanned, 512 copies made, 2.0 MB, 1 failure)".
std::string DescribeRepairProgress(const RepairRecord& record);

}  // namespace kiln
