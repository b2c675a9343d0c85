#include "redis/redis_node_pool.h"

namespace kiln::redis {
namespace {

// Without a cap on busy connections, idle ones would pile up after a burst.
constexpr size_t kMaxIdleWithoutCap = 16;

}  // namespace

RedisNodePool::Lease& RedisNodePool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Return();
    pool_ = std::move(other.pool_);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

RedisNodePool::Lease::~Lease() { Return(); }

void RedisNodePool::Lease::Return() {
  if (pool_ != nullptr) pool_->Release(std::move(connection_));
  pool_.reset();
}

std::shared_ptr<RedisNodePool> RedisNodePool::Create(Endpoint endpoint, RedisConnectionOptions options,
                                                     size_t max_busy) {
  return std::shared_ptr<RedisNodePool>(new RedisNodePool(std::move(endpoint), std::move(options), max_busy));
}

RedisNodePool::Acquired RedisNodePool::Acquire(Duration wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    std::unique_ptr<RedisConnection> connection;
    {
      std::unique_lock lock(mutex_);
      if (max_busy_ != 0 && !returned_.wait_until(lock, deadline, [this] { return busy_ < max_busy_; })) {
        return {Status::Unavailable("redis " + endpoint_.ToString() + ": all " + std::to_string(max_busy_) +
                                    " connections stayed busy for the whole command timeout"),
                false, {}};
      }
      ++busy_;
      if (!idle_.empty()) {
        connection = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (connection == nullptr) {
      StatusOr<std::unique_ptr<RedisConnection>> made = RedisConnection::Connect(endpoint_, options_);
      if (!made.ok()) {
        Release(nullptr);
        return {made.status(), true, {}};
      }
      connection = std::move(*made);
    } else if (connection->CheckIdleConnectionLost()) {
      // The server closed it while idle (restart, timeout): nothing was sent, try the next.
      Release(nullptr);
      continue;
    }
    return {Status::Ok(), false, Lease(shared_from_this(), std::move(connection))};
  }
}

void RedisNodePool::Release(std::unique_ptr<RedisConnection> connection) {
  std::unique_ptr<RedisConnection> dropped;  // Closed outside the lock.
  {
    std::lock_guard lock(mutex_);
    --busy_;
    if (connection != nullptr && !connection->is_broken() &&
        (max_busy_ != 0 || idle_.size() < kMaxIdleWithoutCap)) {
      idle_.push_back(std::move(connection));
    } else {
      dropped = std::move(connection);
    }
  }
  returned_.notify_one();
}

}  // namespace kiln::redis
