// Which master serves each of Redis Cluster's 16384 hash slots, as CLUSTER SLOTS reports it,
// so that the client sends each command straight to the node that owns its keys instead of
// being redirected (MOVED) on every call. It also remembers every node it has heard of, to
// have somewhere to ask when the masters it knows stop answering (failover).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/status.h"
#include "redis/redis_address.h"
#include "redis/redis_key_slot.h"
#include "redis/redis_reply.h"

namespace kiln::redis {

class ClusterSlotMap {
 public:
  ClusterSlotMap() { slot_master_.fill(-1); }

  // From a CLUSTER SLOTS reply got from `asked` (which stands in for nodes announced with
  // an empty host). INTERNAL if the reply does not have the documented shape.
  static StatusOr<ClusterSlotMap> FromClusterSlots(const Reply& reply, const Endpoint& asked);

  // The master of `slot`, nullopt if no node serves it.
  std::optional<Endpoint> MasterOf(int slot) const;
  // After a MOVED: `slot` is now `master`'s.
  void Assign(int slot, const Endpoint& master);
  // Masters first, then replicas, no duplicates.
  std::vector<Endpoint> KnownNodes() const;
  const std::vector<Endpoint>& masters() const { return masters_; }

 private:
  int MasterIndex(const Endpoint& endpoint);

  std::vector<Endpoint> masters_;
  std::vector<Endpoint> replicas_;
  std::array<int16_t, kClusterSlots> slot_master_;  // Index in masters_, -1: unserved.
};

// A cluster redirection error reply: "MOVED 3999 127.0.0.1:6381" or "ASK 3999 ...".
struct ClusterRedirect {
  bool ask = false;  // ASK: this one command only; MOVED: the slot has a new master.
  int slot = 0;
  Endpoint target;
};
// nullopt unless `reply` is such an error. `answered` stands in for an empty host.
std::optional<ClusterRedirect> ParseClusterRedirect(const Reply& reply, const Endpoint& answered);

}  // namespace kiln::redis
