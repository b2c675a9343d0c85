// How every connection to a Redis node is opened, from the URL's credentials and the
// client's options: the pooled client and the subscriber open theirs the same way.
#pragma once

#include "common/status.h"
#include "redis/redis_address.h"
#include "redis/redis_client.h"
#include "redis/redis_connection.h"

namespace kiln::redis {

// INVALID_ARGUMENT for unusable TLS files (rediss:// only).
StatusOr<RedisConnectionOptions> ConnectionOptionsFor(const RedisAddress& address, const RedisClientOptions& options);

}  // namespace kiln::redis
