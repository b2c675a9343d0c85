// Pub/sub for the farm: each frontend hears what the others publish (new work, cancelled
// operations) instead of polling Redis. A subscribed connection can do nothing else, so the
// subscriber has its own connection and its own thread.
//
// Delivery is at most once: what is published while the subscriber is disconnected is lost.
// on_subscribed() after every (re)subscription is the caller's cue to resynchronize from the
// keys themselves. In a cluster, PUBLISH reaches every node, so any node will do; the
// subscriber moves on to the next seed or known node when one fails.
//
// Idle cost: nothing but a PING after 30 s without traffic, to notice a dead peer.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "redis/redis_address.h"
#include "redis/redis_client.h"
#include "redis/redis_connection.h"

namespace kiln::redis {

class RedisSubscriber {
 public:
  struct Callbacks {
    // For each message, on the subscriber's thread (which waits for it to return).
    std::function<void(const std::string& channel, const std::string& payload)> on_message;
    // After each successful SUBSCRIBE, including the first.
    std::function<void()> on_subscribed;
    // Optional, for logs: why the subscriber is not (or no longer) subscribed (a server
    // unreachable, SUBSCRIBE refused, the connection lost). It keeps trying regardless.
    std::function<void(const Status&)> on_error;
  };

  // Starts the thread, which connects (and reconnects, with backoff up to 2 s) until the
  // subscriber is destroyed. Uses the connect and command timeouts and TLS files of
  // `options`. INVALID_ARGUMENT only for unusable TLS files or no channels: an unreachable
  // server is retried, not an error.
  static StatusOr<std::unique_ptr<RedisSubscriber>> Start(const RedisAddress& address,
                                                          const RedisClientOptions& options,
                                                          std::vector<std::string> channels, Callbacks callbacks);
  // Returns promptly (the connection is shut down under a waiting read). REQUIRES: not
  // called from a callback.
  ~RedisSubscriber();
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

 private:
  RedisSubscriber(const RedisAddress& address, const RedisClientOptions& options, RedisConnectionOptions connection,
                  std::vector<std::string> channels, Callbacks callbacks);
  void Loop();
  // Subscribes on `connection` and delivers messages until it fails (why) or we stop.
  Status Serve(RedisConnection& connection);
  void ReportError(const Status& status);
  // Adds the cluster's nodes (if it is one) to the places to reconnect to.
  void LearnNodes(RedisConnection& connection);
  // Sleeps unless stopping; false if stopping.
  bool SleepUnlessStopping(Duration duration);

  const RedisClientOptions options_;
  const RedisConnectionOptions connection_options_;
  const std::vector<std::string> channels_;
  const Callbacks callbacks_;
  std::vector<Endpoint> nodes_;  // Seeds first. Only the thread uses it.

  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  RedisConnection* connection_ = nullptr;  // The thread's current one, for Shutdown.
  std::thread thread_;
};

}  // namespace kiln::redis
