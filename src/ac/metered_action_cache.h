// Counts action cache lookups by result -- hit, miss, error (the cache could not tell) --
// and updates, in front of whichever action cache the server uses (local, Redis, a storage
// node's), so that every path that looks results up (GetActionResult, Execute's cache check)
// is counted once. Thread-safe.
#pragma once

#include <memory>

#include "ac/action_cache.h"
#include "metrics/metric_registry.h"

namespace kiln {

class MeteredActionCache final : public ActionCache {
 public:
  // Adds kiln_action_cache_lookups_total and kiln_action_cache_updates_total to `registry`.
  // REQUIRES: `registry` outlives this.
  MeteredActionCache(std::unique_ptr<ActionCache> base, metrics::MetricRegistry& registry);

  StatusOr<reapi::ActionResult> Get(const std::string& instance_name, const Digest& action_digest,
                                    const InlineRequest& inline_request) override;
  Status Put(const std::string& instance_name, const Digest& action_digest, const reapi::ActionResult& result) override;
  void InlineContents(reapi::ActionResult& result, const InlineRequest& inline_request, DigestFunction function) override {
    base_->InlineContents(result, inline_request, function);
  }

 private:
  MeteredActionCache(std::unique_ptr<ActionCache> base, metrics::Family<metrics::Counter>& lookups,
                     metrics::Family<metrics::Counter>& updates);

  const std::unique_ptr<ActionCache> base_;
  metrics::Counter& hits_;
  metrics::Counter& misses_;
  metrics::Counter& lookup_errors_;
  metrics::Counter& updates_;
  metrics::Counter& update_errors_;
};

}  // namespace kiln
