// One synchronous connection to one Redis server, used by one thread at a time (the pool
// hands it out; the subscriber owns one). Synchronous because every caller in kiln waits for
// its reply anyway, and pipelines cover the cases where round trips matter. Every call takes
// a timeout: a server that hangs costs a caller at most that long, never forever.
//
// The connection is broken for good after any I/O error, timeout or protocol error: a late
// reply could otherwise be taken as the answer to the next command. Callers drop broken
// connections and make new ones.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "redis/redis_address.h"
#include "redis/redis_reply.h"
#include "redis/redis_socket.h"
#include "redis/redis_tls_context.h"
#include "redis/resp_codec.h"

namespace kiln::redis {

struct RedisConnectionOptions {
  std::string user;      // Empty: AUTH with the password only (the "default" user).
  std::string password;  // Empty: no AUTH.
  std::shared_ptr<const RedisTlsContext> tls;  // Null: plain TCP.
  // Bounds TCP connect, TLS handshake and AUTH together.
  Duration connect_timeout = std::chrono::seconds(1);
};

class RedisConnection {
 public:
  // Connects and authenticates. UNAVAILABLE if the server cannot be reached;
  // PERMISSION_DENIED if it refuses the credentials or requires some (the message names the
  // user, never the password). Messages start with "redis HOST:PORT: ".
  static StatusOr<std::unique_ptr<RedisConnection>> Connect(const Endpoint& endpoint,
                                                            const RedisConnectionOptions& options);

  // Sends one command and waits for its reply, at most `timeout` in all. Error replies are
  // replies (OK status); a non-OK status (UNAVAILABLE) means the command may or may not have
  // run, and the connection is broken.
  StatusOr<Reply> Run(const std::vector<std::string>& argv, Duration timeout);
  // Sends all commands in one write and waits for all their replies, in order.
  StatusOr<std::vector<Reply>> RunPipeline(const std::vector<std::vector<std::string>>& commands, Duration timeout);

  // The two halves of RunPipeline, for pub/sub, where the server sends what it likes.
  Status Send(const std::vector<std::vector<std::string>>& commands, Duration timeout);
  StatusOr<Reply> Receive(Duration timeout);
  // Like Receive, but nullopt if nothing (complete) arrived within `wait`, and the
  // connection stays usable then: for waiting on a subscription.
  StatusOr<std::optional<Reply>> Poll(Duration wait);

  // Thread-safe: breaks the connection, making a Receive that another thread waits in
  // return at once.
  void Shutdown();

  bool is_broken() const { return broken_.load(); }
  // For idle connections: true (and broken from now on) if the server has closed it.
  bool CheckIdleConnectionLost();
  const Endpoint& endpoint() const { return endpoint_; }

 private:
  RedisConnection(Endpoint endpoint, std::unique_ptr<RedisSocket> socket)
      : endpoint_(std::move(endpoint)), socket_(std::move(socket)) {}
  Status Authenticate(const RedisConnectionOptions& options, Duration timeout);
  // nullopt only if `keep_on_timeout` and the deadline passed.
  StatusOr<std::optional<Reply>> ReceiveBefore(TimePoint deadline, bool keep_on_timeout);
  // Marks the connection broken and prefixes the server's address.
  Status Fail(const Status& status);

  const Endpoint endpoint_;
  std::unique_ptr<RedisSocket> socket_;
  RespDecoder decoder_;
  std::atomic<bool> broken_{false};
};

}  // namespace kiln::redis
