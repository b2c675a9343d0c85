// The storage ring's repair pass as the farm remembers it, in Redis (the hash
// kiln:{NAMESPACE}:storage:repair): the ring the pass runs over, its cursor, its counters
// and times. The frontend running the pass saves it as it goes, so that another one, after
// a restart or when the lease passes to it (repair_lease.h), goes on where it stopped; and
// anyone can read it for a status page.
//
// Only the lease's holder can save: the write checks the lease in the same script, so a
// frontend whose lease lapsed cannot overwrite its successor's progress.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backplane/repair_lease.h"
#include "backplane/storage_directory.h"
#include "cas/ring_repair_pass.h"
#include "common/clock.h"
#include "common/status.h"
#include "redis/redis_client.h"

namespace kiln {

struct RepairRecord {
  enum class State { kNone, kRunning, kFinished };
  State state = State::kNone;
  // The ring the pass runs (ran) over: RingSignature of its members and replicas.
  std::string ring;
  std::string cursor;  // ListingToken of the last blob dealt with; "" before the first.
  double fraction_done = 0;  // How far the cursor is through the digest order.
  RingRepairCounters counters;
  WallTimePoint started{};
  WallTimePoint updated{};
  WallTimePoint finished{};  // kFinished only.
  // kFinished: every node was listed and every copy made.
  bool complete = false;
  std::vector<std::string> unlisted_nodes;
  std::string runner;  // Who runs (ran) it.
};

std::string_view RepairStateName(RepairRecord::State state);

// Identifies a ring for the repair pass: its members with their weights, and R. A pass
// whose ring is not the current one is started again.
std::string RingSignature(const std::vector<StorageNodeEntry>& members, size_t replicas);

class RepairRecordStore {
 public:
  RepairRecordStore(redis::RedisClient* client, const std::string& key_namespace);

  // State kNone when no pass ever ran. UNAVAILABLE when Redis cannot be asked.
  StatusOr<RepairRecord> Load() const;
  // Replaces the record if `lease` is held in Redis; FAILED_PRECONDITION if not.
  Status Save(const RepairRecord& record, const RepairLease& lease);

 private:
  redis::RedisClient* const client_;
  const std::string key_;
};

}  // namespace kiln
