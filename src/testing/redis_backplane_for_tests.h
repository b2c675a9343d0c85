// One redis-server per test binary, started on first use, and RedisSchedulers on it that
// never see each other's state (each gets a key namespace of its own). What the scheduler
// contract tests run the Redis implementation against. A test binary that cannot start
// redis-server stops with the reason: `./dev.sh test` installs it.
#pragma once

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <unistd.h>

#include "backplane/redis_event_subscriber.h"
#include "backplane/redis_scheduler.h"
#include "redis/redis_client.h"
#include "testing/redis_server_process.h"

namespace kiln::testing_support {

class RedisBackplaneForTests {
 public:
  static RedisBackplaneForTests& Get() {
    static RedisBackplaneForTests* instance = new RedisBackplaneForTests();  // Lives until exit.
    return *instance;
  }

  // Maintenance runs on every Tick(), as the in-process scheduler's does: the contract
  // tests check deadlines to the second.
  std::unique_ptr<RedisScheduler> NewScheduler(const Clock* clock, const SchedulerOptions& options,
                                               RedisSchedulerOptions backplane = Immediate()) {
    backplane.key_namespace = "test-" + std::to_string(::getpid()) + "-" + std::to_string(next_namespace_++);
    return NewSchedulerIn(clock, options, backplane);
  }
  // Another frontend of an existing namespace.
  std::unique_ptr<RedisScheduler> NewSchedulerIn(const Clock* clock, const SchedulerOptions& options,
                                                 const RedisSchedulerOptions& backplane) {
    auto scheduler = RedisScheduler::Start(client_.get(), SubscribeToRedis(address_, client_options_), clock,
                                           options, backplane);
    if (!scheduler.ok()) Die("starting a RedisScheduler: " + scheduler.status().ToString());
    return std::move(scheduler).value();
  }
  static RedisSchedulerOptions Immediate() {
    RedisSchedulerOptions backplane;
    backplane.maintenance_interval = Duration::zero();
    return backplane;
  }
  redis::RedisClient& client() { return *client_; }
  const redis::RedisAddress& address() const { return address_; }

 private:
  RedisBackplaneForTests() {
    auto server = testing::RedisServerProcess::Start();
    if (!server.ok()) Die(server.status().ToString());
    server_ = std::move(server).value();
    address_.seeds.push_back(server_->endpoint());
    auto client = redis::ConnectRedis(address_, client_options_);
    if (!client.ok()) Die("connecting to the test redis-server: " + client.status().ToString());
    client_ = std::move(client).value();
  }
  [[noreturn]] static void Die(const std::string& why) {
    std::cerr << "scheduler contract tests: cannot run the Redis backplane: " << why << std::endl;
    std::abort();
  }

  std::unique_ptr<testing::RedisServerProcess> server_;
  redis::RedisAddress address_;
  redis::RedisClientOptions client_options_;
  std::unique_ptr<redis::RedisClient> client_;
  std::atomic<int> next_namespace_{0};
};

}  // namespace kiln::testing_support
