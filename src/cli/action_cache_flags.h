// `kiln serve --action-cache storage|redis` and its companions: where a frontend keeps the
// action cache. storage (the default): with the CAS, in --data-dir or on the --cas storage
// node. redis: in the --backplane's Redis, shared by every frontend on it
// (backplane/redis_action_cache.h). Resolving refuses what cannot work -- redis without a
// backplane, companions without redis -- naming the flag.
#pragma once

#include <string>

#include "cli/flags.h"
#include "server/kiln_server.h"

namespace kiln {

struct ActionCacheFlags {
  std::string location = "storage";
  RedisActionCacheOptions redis;  // Its ttl and max_entry_bytes are flags.
};

void AddActionCacheFlags(FlagSet& flags, ActionCacheFlags& action_cache);

// Fills options.action_cache and options.redis_action_cache. REQUIRES: `flags` has parsed
// the command, and the role and backplane flags are resolved.
Status ResolveActionCacheFlags(const FlagSet& flags, const ActionCacheFlags& action_cache, ServerOptions& options);

}  // namespace kiln
