// The farm's action cache kept in Redis, beside the backplane's scheduler state (kiln serve
// --action-cache redis): every frontend on the backplane reads and writes the same entries,
// without a gRPC hop to the storage node. Each entry is one serialized ActionResult under
// "kiln:NAMESPACE:ac:{KEY}", KEY being ActionCacheKey. The hash tag is the entry's own key,
// not the namespace the scheduler's keys share: entries need no atomicity with anything,
// so in a Redis Cluster they spread over all masters instead of crowding one slot.
//
// Entries expire `ttl` after they were last written or hit: a hit refreshes the TTL in the
// same command that reads it (GETEX), so what a farm keeps using stays and the rest goes
// without any sweeper. Entries are capped in size, because every byte is Redis memory and
// is sent on every hit.
//
// A hit is returned only while every blob the result references is in `cas` -- the
// frontend's CAS, which with --cas is the storage node's: one FindMissing call for all of
// them (the check LocalActionCache makes, ac/action_cache.h), after reading any output
// directory Trees through `cas`. Redis unreachable is UNAVAILABLE, never a miss: a client
// must not rebuild what it could not look up.
//
// Thread-safe (RedisClient and BlobStore are).
#pragma once

#include <string>

#include "ac/action_cache.h"
#include "common/clock.h"
#include "redis/redis_client.h"

namespace kiln {

struct RedisActionCacheOptions {
  // The backplane's key namespace (RedisSchedulerOptions::key_namespace): farms sharing a
  // Redis keep apart. Never holds '{' or '}', which would change the hash tag.
  std::string key_namespace = "kiln";
  // How long an entry lives after its last write or hit. Whole seconds, at least one.
  Duration ttl = std::chrono::hours(24 * 7);
  // Largest serialized result Put stores (after dropping inlined bytes the CAS holds).
  int64_t max_entry_bytes = int64_t{1} << 20;
  // As LocalActionCache: the inlining budget of one result, and the largest output Tree read.
  int64_t max_inline_bytes = int64_t{1} << 20;
  int64_t max_message_bytes = kDefaultMaxMessageBytes;
};

class RedisActionCache final : public ActionCache {
 public:
  // REQUIRES: `redis` and `cas` outlive the cache.
  RedisActionCache(redis::RedisClient* redis, BlobStore* cas, RedisActionCacheOptions options);

  StatusOr<reapi::ActionResult> Get(const std::string& instance_name, const Digest& action_digest,
                                    const InlineRequest& inline_request) override;
  // RESOURCE_EXHAUSTED when the result is over max_entry_bytes or Redis is out of memory.
  Status Put(const std::string& instance_name, const Digest& action_digest, const reapi::ActionResult& result) override;
  Status Delete(const std::string& instance_name, const Digest& action_digest) override;
  void InlineContents(reapi::ActionResult& result, const InlineRequest& inline_request, DigestFunction function) override {
    InlineResultContents(*cas_, options_.max_inline_bytes, result, inline_request, function);
  }

  // The Redis key of an entry.
  std::string KeyFor(const std::string& instance_name, const Digest& action_digest) const;

 private:
  // A reply's failure as a Status: transport errors are UNAVAILABLE, error replies by kind.
  Status Failure(const StatusOr<redis::Reply>& reply, const std::string& doing) const;

  redis::RedisClient* const redis_;
  BlobStore* const cas_;
  const RedisActionCacheOptions options_;
  const std::string ttl_seconds_;  // GETEX/SET's EX argument.
};

}  // namespace kiln
