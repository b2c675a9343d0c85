// The EventSubscriber a RedisScheduler listens with in production and in tests: a
// RedisSubscriber (its own connection and thread) on the backplane's Redis.
#pragma once

#include "backplane/redis_scheduler.h"
#include "redis/redis_address.h"
#include "redis/redis_client.h"

namespace kiln {

EventSubscriber SubscribeToRedis(const redis::RedisAddress& address, const redis::RedisClientOptions& options);

}  // namespace kiln
