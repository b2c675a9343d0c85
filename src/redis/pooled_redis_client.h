// The RedisClient behind ConnectRedis: a pool of connections per node, and in cluster mode
// a slot map that is patched on MOVED and reloaded (from any node that answers) after a
// redirect or a connection failure, so that resharding and failovers are followed.
// Standalone is the same with one node that owns every slot.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "redis/cluster_slot_map.h"
#include "redis/redis_client.h"
#include "redis/redis_connection.h"
#include "redis/redis_node_pool.h"

namespace kiln::redis {

class PooledRedisClient final : public RedisClient {
 public:
  // `slot_map` nullopt: standalone, every command goes to `node`.
  PooledRedisClient(RedisAddress address, RedisClientOptions options, RedisConnectionOptions connection_options,
                    Endpoint node, std::optional<ClusterSlotMap> slot_map);

  StatusOr<Reply> Run(std::string_view routing_key, const std::vector<std::string>& argv) override;
  StatusOr<std::vector<Reply>> RunPipeline(std::string_view routing_key,
                                           const std::vector<std::vector<std::string>>& commands) override;
  StatusOr<Reply> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                       const std::vector<std::string>& args) override;
  StatusOr<Reply> RunBlocking(std::string_view routing_key, const std::vector<std::string>& argv,
                              Duration block_for) override;
  bool is_cluster() const override { return cluster_; }

 private:
  using Commands = std::vector<std::vector<std::string>>;

  StatusOr<std::vector<Reply>> Execute(std::string_view routing_key, const Commands& commands, bool blocking,
                                       Duration timeout);
  std::optional<Endpoint> MasterOf(int slot);
  std::shared_ptr<RedisNodePool> PoolFor(const Endpoint& node, bool blocking);
  // Reloads the slot map if something asked for it (at most every kRefreshInterval, by one
  // thread at a time; the others go on with the map they have).
  void RefreshSlotMapIfNeeded();
  void RequestSlotMapRefresh() { refresh_requested_ = true; }

  const RedisAddress address_;
  const RedisClientOptions options_;
  const RedisConnectionOptions connection_options_;
  const Endpoint standalone_node_;
  const bool cluster_;

  std::mutex mutex_;
  ClusterSlotMap slot_map_;
  std::map<std::string, std::shared_ptr<RedisNodePool>> pools_;           // By Endpoint::ToString().
  std::map<std::string, std::shared_ptr<RedisNodePool>> blocking_pools_;  // Uncapped.

  std::atomic<bool> refresh_requested_{false};
  std::mutex refresh_mutex_;  // Held by the one thread reloading the map.
  TimePoint last_refresh_{};
};

}  // namespace kiln::redis
