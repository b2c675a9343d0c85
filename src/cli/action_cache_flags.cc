#include "cli/action_cache_flags.h"

namespace kiln {

void AddActionCacheFlags(FlagSet& flags, ActionCacheFlags& action_cache) {
  flags.AddString("action-cache", &action_cache.location,
                  "Where the action cache is kept. storage: with the CAS (in --data-dir, or on the --cas storage "
                  "node, shared by the frontends using it). redis: in the --backplane's Redis, shared by the "
                  "frontends on it; hits are still checked against the CAS (README: Farm compares the two). Give "
                  "every frontend of a backplane the same: a result is stored by the frontend whose worker ran it.");
  flags.AddDuration("action-cache-ttl", &action_cache.redis.ttl,
                    "--action-cache redis: an entry is deleted this long after it was last stored or hit.");
  flags.AddBytes("action-cache-max-entry-bytes", &action_cache.redis.max_entry_bytes,
                 "--action-cache redis: largest ActionResult stored (serialized, without inlined contents the CAS "
                 "holds); UpdateActionResult of a larger one fails with RESOURCE_EXHAUSTED.",
                 FlagRange::Between(1, int64_t{512} << 20));  // Redis' largest string.
}

Status ResolveActionCacheFlags(const FlagSet& flags, const ActionCacheFlags& action_cache, ServerOptions& options) {
  if (action_cache.location == "storage") {
    for (const char* name : {"action-cache-ttl", "action-cache-max-entry-bytes"}) {
      if (flags.WasGiven(name)) return Status::InvalidArgument("--" + std::string(name) + " needs --action-cache redis");
    }
    if (options.storage.target.find(',') != std::string::npos) {
      return Status::InvalidArgument(
          "with several --cas storage nodes the action cache must be in Redis (--backplane URL --action-cache "
          "redis): a storage node's action cache checks each hit against its own CAS, which holds only its share "
          "of the blobs");
    }
    options.action_cache = ActionCacheLocation::kStorage;
    return Status::Ok();
  }
  if (action_cache.location != "redis") {
    return Status::InvalidArgument("--action-cache must be storage or redis, not \"" + action_cache.location + "\"");
  }
  if (options.role == ServerRole::kStorage) {
    return Status::InvalidArgument("--role storage takes no --action-cache redis: a storage node keeps its own");
  }
  if (options.backplane.url.empty()) {
    return Status::InvalidArgument("--action-cache redis needs --backplane: the cache is kept in the backplane's Redis");
  }
  if (flags.WasGiven("max-ac-bytes")) {
    return Status::InvalidArgument(
        "--max-ac-bytes does not apply with --action-cache redis: entries expire after --action-cache-ttl, and "
        "Redis' maxmemory bounds them");
  }
  if (action_cache.redis.ttl < std::chrono::seconds(1)) {
    return Status::InvalidArgument("--action-cache-ttl must be at least 1s");
  }
  options.action_cache = ActionCacheLocation::kRedis;
  options.redis_action_cache = action_cache.redis;
  return Status::Ok();
}

}  // namespace kiln
