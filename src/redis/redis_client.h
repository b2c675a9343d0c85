// What the farm's scheduler sees of its Redis backplane: commands routed to the right node,
// with the cluster's routine events (slots moving, masters failing over, a node loading its
// data) handled here, so that the scheduler only sees "it ran" (a Reply, perhaps an error
// reply it asked for) or "the backplane is unavailable" (UNAVAILABLE). Standalone Redis and
// Redis Cluster look the same from above.
//
// The one rule about retrying: a command is sent again only when it certainly did not run
// (the connection could not be made, or the server answered MOVED, ASK, TRYAGAIN,
// CLUSTERDOWN, LOADING or MASTERDOWN). After an I/O error or a timeout it may have run, and
// the caller, who knows whether it is idempotent, gets UNAVAILABLE.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "redis/redis_address.h"
#include "redis/redis_reply.h"
#include "redis/redis_script.h"

namespace kiln::redis {

// Thread-safe: one client is shared by all threads of a process.
class RedisClient {
 public:
  virtual ~RedisClient() = default;

  // One command. `routing_key` picks the cluster node (the hash slot of its hash tag);
  // ignored standalone.
  virtual StatusOr<Reply> Run(std::string_view routing_key, const std::vector<std::string>& argv) = 0;
  // Several commands in one round trip, all on the node of `routing_key`. If only some of
  // them were redirected or refused (a slot migrating under a pipeline whose keys are
  // partly moved), nothing is sent again and their error replies are returned as they are:
  // re-sending all could run the others twice.
  virtual StatusOr<std::vector<Reply>> RunPipeline(std::string_view routing_key,
                                                   const std::vector<std::vector<std::string>>& commands) = 0;
  // EVALSHA, and EVAL when the node answers NOSCRIPT. Routed by keys[0] (any node without
  // keys).
  virtual StatusOr<Reply> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                               const std::vector<std::string>& args) = 0;
  // A blocking command (BLPOP, BZPOPMIN, ...) whose server-side timeout is `block_for`: it
  // holds a connection of its own meanwhile (never one that other callers wait for) and
  // waits for the reply for block_for + the normal command timeout.
  virtual StatusOr<Reply> RunBlocking(std::string_view routing_key, const std::vector<std::string>& argv,
                                      Duration block_for) = 0;
  virtual bool is_cluster() const = 0;
};

struct RedisClientOptions {
  Duration connect_timeout = std::chrono::seconds(1);
  // For one command (or pipeline) once a connection is in hand, and for waiting for one
  // when all of a node's connections are busy.
  Duration command_timeout = std::chrono::seconds(5);
  size_t max_connections_per_node = 32;
  // How long a command keeps being retried while it certainly did not run (see above):
  // covers a restart's loading time or a cluster failover.
  Duration retry_window = std::chrono::seconds(3);
  // rediss:// only. Empty CA file: the system's trusted CAs. Client certificate and key for
  // servers that require one (tls-auth-clients).
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
};

// Connects to the first reachable seed, detects standalone vs cluster (INFO cluster) and,
// in cluster mode, loads the slot map. UNAVAILABLE if no seed answers; PERMISSION_DENIED
// if the credentials are refused; INVALID_ARGUMENT for unusable TLS files.
StatusOr<std::unique_ptr<RedisClient>> ConnectRedis(const RedisAddress& address, const RedisClientOptions& options);

}  // namespace kiln::redis
