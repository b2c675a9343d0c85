// Hints of hinted handoff (cas/hint_list.h) kept in the farm's backplane, so that they outlive
// the frontend that wrote them: one Redis set per farm, kiln:{NS}:storage:hints, whose
// members are "OWNER FUNCTION HASH SIZE". Any frontend's handoff pass takes hints with SPOP,
// so two frontends never hand off the same batch; a frontend that dies holding a batch loses
// those hints, and the ring's repair pass places their copies instead.
//
// Costs a Redis command per hinted write, which happens only while an owner is down, and a
// few per handoff pass. Bounded: at most `max_hints` listed; beyond, hints are dropped.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cas/hint_list.h"
#include "redis/redis_client.h"

namespace kiln {

class RedisHintList final : public HintList {
 public:
  // REQUIRES: client outlives this.
  RedisHintList(redis::RedisClient* client, const std::string& key_namespace, size_t max_hints);

  static std::string KeyFor(const std::string& key_namespace);

  bool Add(const BlobHint& hint) override;
  // One script call per 1,000 hints.
  size_t AddAll(const std::vector<BlobHint>& hints) override;
  std::vector<BlobHint> Take(size_t max) override;
  int64_t Size() const override;

 private:
  redis::RedisClient* const client_;
  const std::string key_;
  const size_t max_hints_;
};

// A hint as a member of the set, and back (nullopt for a member that does not parse).
std::string EncodeHint(const BlobHint& hint);
std::optional<BlobHint> DecodeHint(std::string_view member);

}  // namespace kiln
