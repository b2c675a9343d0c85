// The farm's storage nodes, as the backplane knows them: which nodes make up the CAS ring
// (each with its weight), and which of them are alive. Storage nodes started with
// --backplane join it; frontends started with --backplane and no --cas follow it
// (storage_ring_follower.h).
//
// Membership and liveness are kept apart on purpose. Membership (the hash
// kiln:{NAMESPACE}:storage:nodes, name -> weight) decides placement, and a node stays a
// member while it is down: blobs it owns are then written to the next node in rendezvous
// order and read from their other replicas, and nothing is reshuffled because a node
// restarted. A node leaves only when an operator removes it (Remove), which is when repair
// restores the copies it held elsewhere. Liveness (kiln:{NAMESPACE}:storage:alive:NAME,
// refreshed every refresh_interval with an expiry of four) is for people and status pages.
//
// A node is named by the target frontends reach it at (--advertise): the name places
// blobs, so it must stay the same across restarts.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "redis/redis_client.h"

namespace kiln {

struct StorageDirectoryOptions {
  std::string key_namespace = "default";
  Duration refresh_interval = std::chrono::seconds(5);
};

struct StorageNodeEntry {
  std::string name;  // grpc(s)://HOST:PORT
  double weight = 1.0;
  bool alive = false;
};

class StorageDirectory {
 public:
  StorageDirectory(redis::RedisClient* client, const Clock* clock, const StorageDirectoryOptions& options);
  // A node that joined is down from now on (best effort: its liveness lapses anyway); it
  // stays a member.
  ~StorageDirectory();

  // Makes this process the storage node `target` with `weight`, and from then on Tick keeps
  // it alive. UNAVAILABLE if Redis could not be told (Tick tries again).
  Status Join(std::string target, double weight);
  // Refreshes this node's entry when due. Call every second or so.
  void Tick();

  // Every member, by name. UNAVAILABLE when Redis cannot be asked; an entry whose weight is
  // not a positive number is skipped (and said so on stderr once per List).
  StatusOr<std::vector<StorageNodeEntry>> List() const;
  // Takes `name` out of the ring for good. NOT_FOUND if it is not a member.
  Status Remove(const std::string& name);

 private:
  std::string AliveKey(const std::string& name) const;
  Status Announce(const std::string& target, double weight);

  redis::RedisClient* const client_;
  const Clock* const clock_;
  const StorageDirectoryOptions options_;
  const std::string prefix_;     // kiln:{NAMESPACE}:storage:
  const std::string nodes_key_;  // prefix_ + "nodes"
  std::mutex mutex_;
  std::string target_;  // Empty until Join.
  double weight_ = 1.0;
  TimePoint next_refresh_;
};

// Parses a weight as the directory stores it: a positive finite number.
StatusOr<double> ParseStorageWeight(const std::string& text);

}  // namespace kiln
