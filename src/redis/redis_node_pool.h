// The connections to one Redis node, shared by the threads of one client. Reusing idle
// connections saves a TCP (and TLS) handshake per command; capping the busy ones keeps a
// burst of scheduler threads from opening hundreds of connections to a node, which Redis
// would serve one at a time anyway. Callers over the cap wait for a connection to come back.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "redis/redis_connection.h"

namespace kiln::redis {

class RedisNodePool : public std::enable_shared_from_this<RedisNodePool> {
 public:
  // A connection lent to one caller; returned to the pool (if not broken) on destruction.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&&) = default;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();
    RedisConnection* operator->() const { return connection_.get(); }
    RedisConnection& operator*() const { return *connection_; }

   private:
    friend class RedisNodePool;
    Lease(std::shared_ptr<RedisNodePool> pool, std::unique_ptr<RedisConnection> connection)
        : pool_(std::move(pool)), connection_(std::move(connection)) {}
    void Return();
    std::shared_ptr<RedisNodePool> pool_;
    std::unique_ptr<RedisConnection> connection_;
  };

  struct Acquired {
    Status status;  // OK: `lease` holds a connection.
    // The status comes from connecting: nothing was sent, so trying again (elsewhere) is safe.
    bool connect_failed = false;
    Lease lease;
  };

  // `max_busy` 0: no cap (for blocking commands, which must never wait behind each other).
  static std::shared_ptr<RedisNodePool> Create(Endpoint endpoint, RedisConnectionOptions options, size_t max_busy);

  // An idle connection that the server has not closed meanwhile, else a new one. Waits at
  // most `wait` for a busy connection to come back when `max_busy` are out (then
  // UNAVAILABLE).
  Acquired Acquire(Duration wait);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  RedisNodePool(Endpoint endpoint, RedisConnectionOptions options, size_t max_busy)
      : endpoint_(std::move(endpoint)), options_(std::move(options)), max_busy_(max_busy) {}
  void Release(std::unique_ptr<RedisConnection> connection);

  const Endpoint endpoint_;
  const RedisConnectionOptions options_;
  const size_t max_busy_;

  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;  // Most recently used last.
  size_t busy_ = 0;  // Lent out or being connected.
};

}  // namespace kiln::redis
