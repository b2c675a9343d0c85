// A farm frontend's scheduler from its --backplane settings: the Redis connection and the
// RedisScheduler over it, started together and stopped in the right order.
#pragma once

#include <memory>
#include <string>

#include "backplane/redis_scheduler.h"
#include "common/clock.h"
#include "common/status.h"
#include "redis/redis_client.h"

namespace kiln {

struct BackplaneOptions {
  // redis://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...] (rediss:// for TLS): standalone Redis
  // or any nodes of a Redis Cluster. Empty: no backplane.
  std::string url;
  // The password, from a file rather than the URL (which shows in process listings).
  std::string password_file;
  RedisSchedulerOptions scheduler;
  // The target the farm's other frontends reach this one at, grpc(s)://HOST:PORT, to relay
  // reads of the live log streams it holds. Empty: the listening address's host (the host's
  // name when it listens on all addresses) and port.
  std::string advertise;
  // A storage node's share of the blobs in the farm's ring (backplane/storage_directory.h),
  // relative to the other nodes'.
  double storage_weight = 1.0;
  // A frontend following the ring: the repair pass's copy rate (0: no repair pass on this
  // frontend) and how often a full pass runs when the ring has not changed
  // (backplane/storage_repair_runner.h).
  int64_t repair_bytes_per_second = int64_t{32} << 20;
  Duration repair_interval = std::chrono::hours(24);
  redis::RedisClientOptions client;  // Timeouts; TLS files for rediss://.
};

// The Redis servers and credentials of `options`: the URL, with the password from its file.
// INVALID_ARGUMENT for a bad URL or password file, or a user without a password.
StatusOr<redis::RedisAddress> ResolveBackplaneAddress(const BackplaneOptions& options);

class BackplaneScheduler {
 public:
  // UNAVAILABLE when no Redis node answers, INVALID_ARGUMENT for a bad URL or password file.
  static StatusOr<std::unique_ptr<BackplaneScheduler>> Start(const BackplaneOptions& options, const Clock* clock,
                                                             const SchedulerOptions& scheduler_options);
  Scheduler* scheduler() const { return scheduler_.get(); }
  // The connection, for the farm's other shared state (backplane/frontend_directory.h).
  redis::RedisClient* client() const { return client_.get(); }
  bool is_cluster() const { return client_->is_cluster(); }

 private:
  std::unique_ptr<redis::RedisClient> client_;
  std::unique_ptr<RedisScheduler> scheduler_;  // After client_: stops first.
};

}  // namespace kiln
