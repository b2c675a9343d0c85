// What /readyz and the gRPC health service wait for on a kiln server: its data directory
// still usable (the stores are open there), and with a backplane, Redis answering a PING.
#pragma once

#include <string>

#include "common/readiness.h"
#include "redis/redis_client.h"

namespace kiln {

// `backplane` null without one. REQUIRES: `backplane` outlives `readiness`' last Refresh.
void AddReadinessChecks(Readiness& readiness, const std::string& data_dir, redis::RedisClient* backplane);

}  // namespace kiln
