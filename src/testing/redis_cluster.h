// A real Redis Cluster of six local redis-servers (three masters, a replica each), as
// `redis-cli --cluster create` builds one, for the client's cluster tests: routing by slot,
// redirections during a slot migration, a master's failover. A short cluster-node-timeout
// (1 s) makes a failover take a couple of seconds; starting one takes about as long, so
// tests share one per suite (SetUpTestSuite).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "redis/redis_address.h"
#include "testing/redis_server_process.h"

namespace kiln::testing {

class RedisCluster {
 public:
  // Starts the nodes, creates the cluster and waits (at most 20 s) until every node reports
  // cluster_state:ok.
  static StatusOr<std::unique_ptr<RedisCluster>> Start(int masters = 3, int replicas_per_master = 1);

  size_t size() const { return nodes_.size(); }
  RedisServerProcess& node(size_t i) { return *nodes_[i]; }
  // Every node as a seed.
  redis::RedisAddress address() const;

  // The node that is master of `slot` now, as the live nodes see it; -1 if none.
  int MasterOfSlot(int slot);
  // The masters' indices, as the live nodes see it.
  std::vector<int> Masters();
  // The index of the node listening on `port`, -1 if none.
  int IndexOfPort(int port) const;

  // Kills master `i` (SIGKILL) and waits (at most 15 s) until a replica has taken over all
  // its slots and the cluster is ok again. The new master's index.
  StatusOr<int> KillMaster(int i);
  // Until every live node reports cluster_state:ok and agrees who serves every slot.
  Status WaitUntilHealthy(Duration timeout);

 private:
  struct NodeView {
    std::string id;
    int port = 0;
    bool master = false;
    bool failed = false;
    std::vector<std::pair<int, int>> slot_ranges;
  };
  // CLUSTER NODES as node `asked` sees the cluster.
  StatusOr<std::vector<NodeView>> View(size_t asked);

  std::vector<std::unique_ptr<RedisServerProcess>> nodes_;
};

}  // namespace kiln::testing
