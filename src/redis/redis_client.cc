#include "redis/redis_client.h"

#include "redis/connection_options.h"
#include "redis/pooled_redis_client.h"
#include "redis/redis_connection.h"

namespace kiln::redis {
namespace {

// Whether the server at the other end of `connection` runs in cluster mode, and then its
// slot map.
StatusOr<std::optional<ClusterSlotMap>> DetectCluster(RedisConnection& connection, Duration timeout) {
  StatusOr<Reply> info = connection.Run({"INFO", "cluster"}, timeout);
  if (!info.ok()) return info.status();
  // An ACL user may not be allowed INFO; CLUSTER SLOTS tells too (an error when standalone).
  if (!info->is_error() && info->text.find("cluster_enabled:1") == std::string::npos) {
    return std::optional<ClusterSlotMap>();
  }
  StatusOr<Reply> slots = connection.Run({"CLUSTER", "SLOTS"}, timeout);
  if (!slots.ok()) return slots.status();
  if (slots->is_error()) {
    if (info->is_error()) return std::optional<ClusterSlotMap>();
    return Status::FailedPrecondition("redis " + connection.endpoint().ToString() + ": CLUSTER SLOTS: " + slots->text);
  }
  StatusOr<ClusterSlotMap> map = ClusterSlotMap::FromClusterSlots(*slots, connection.endpoint());
  if (!map.ok()) return map.status();
  return std::optional<ClusterSlotMap>(std::move(*map));
}

}  // namespace

StatusOr<std::unique_ptr<RedisClient>> ConnectRedis(const RedisAddress& address, const RedisClientOptions& options) {
  if (address.seeds.empty()) return Status::InvalidArgument("redis: no seed address");
  StatusOr<RedisConnectionOptions> made = ConnectionOptionsFor(address, options);
  if (!made.ok()) return made.status();
  RedisConnectionOptions connection_options = std::move(made).value();
  std::string failures;
  for (const Endpoint& seed : address.seeds) {
    StatusOr<std::unique_ptr<RedisConnection>> connection = RedisConnection::Connect(seed, connection_options);
    if (!connection.ok()) {
      if (connection.status().code() != StatusCode::kUnavailable) return connection.status();
      failures += (failures.empty() ? "" : "; ") + connection.status().message();
      continue;
    }
    StatusOr<std::optional<ClusterSlotMap>> slot_map = DetectCluster(**connection, options.command_timeout);
    if (!slot_map.ok()) {
      if (slot_map.status().code() != StatusCode::kUnavailable) return slot_map.status();
      failures += (failures.empty() ? "" : "; ") + slot_map.status().message();
      continue;
    }
    return std::unique_ptr<RedisClient>(std::make_unique<PooledRedisClient>(
        address, options, std::move(connection_options), seed, std::move(*slot_map)));
  }
  return Status::Unavailable("no redis server reachable at " + address.ToRedactedString() + ": " + failures);
}

}  // namespace kiln::redis
