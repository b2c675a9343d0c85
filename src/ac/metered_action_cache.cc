#include "ac/metered_action_cache.h"

namespace kiln {
namespace {

metrics::Family<metrics::Counter>& Lookups(metrics::MetricRegistry& registry) {
  return registry.AddCounter("kiln_action_cache_lookups_total",
                             "Action cache lookups by result: hit, miss (including incomplete results), or error.",
                             {"result"});
}

metrics::Family<metrics::Counter>& Updates(metrics::MetricRegistry& registry) {
  return registry.AddCounter("kiln_action_cache_updates_total", "Action cache updates by result: ok or error.",
                             {"result"});
}

}  // namespace

MeteredActionCache::MeteredActionCache(std::unique_ptr<ActionCache> base, metrics::MetricRegistry& registry)
    : MeteredActionCache(std::move(base), Lookups(registry), Updates(registry)) {}

MeteredActionCache::MeteredActionCache(std::unique_ptr<ActionCache> base, metrics::Family<metrics::Counter>& lookups,
                                       metrics::Family<metrics::Counter>& updates)
    : base_(std::move(base)),
      hits_(lookups.WithLabels({"hit"})),
      misses_(lookups.WithLabels({"miss"})),
      lookup_errors_(lookups.WithLabels({"error"})),
      updates_(updates.WithLabels({"ok"})),
      update_errors_(updates.WithLabels({"error"})) {}

StatusOr<reapi::ActionResult> MeteredActionCache::Get(const std::string& instance_name, const Digest& action_digest,
                                                      const InlineRequest& inline_request) {
  auto result = base_->Get(instance_name, action_digest, inline_request);
  if (result.ok()) {
    hits_.Inc();
  } else if (result.status().code() == StatusCode::kNotFound) {
    misses_.Inc();
  } else {
    lookup_errors_.Inc();
  }
  return result;
}

Status MeteredActionCache::Put(const std::string& instance_name, const Digest& action_digest,
                               const reapi::ActionResult& result) {
  Status status = base_->Put(instance_name, action_digest, result);
  (status.ok() ? updates_ : update_errors_).Inc();
  return status;
}

}  // namespace kiln
