#include "webui/overview_sample.h"

#include <string>
#include <vector>

namespace kiln {
namespace {

// The sum of a family's samples whose label `label` (if given) has `value` (or, with
// `negate`, any other value); nullopt when the registry has no such family.
std::optional<double> Sum(const std::vector<metrics::FamilySnapshot>& families, const std::string& name,
                          const std::string& label = "", const std::string& value = "", bool negate = false) {
  for (const metrics::FamilySnapshot& family : families) {
    if (family.name != name) continue;
    int index = -1;
    for (size_t i = 0; i < family.label_names.size(); ++i) {
      if (family.label_names[i] == label) index = static_cast<int>(i);
    }
    double sum = 0;
    for (const metrics::SampleSnapshot& sample : family.samples) {
      if (!label.empty()) {
        if (index < 0) continue;
        if ((sample.label_values[index] == value) == negate) continue;
      }
      sum += sample.value;
    }
    return sum;
  }
  return std::nullopt;
}

void Field(JsonWriter& json, const char* key, const std::optional<double>& value) {
  json.Key(key).OptionalDouble(value);
}

}  // namespace

OverviewSample ReadOverview(const metrics::MetricRegistry* registry, const Scheduler* scheduler,
                            int64_t cas_capacity_bytes, int64_t unix_ms) {
  OverviewSample sample;
  sample.unix_ms = unix_ms;
  sample.cas_capacity_bytes = cas_capacity_bytes;
  if (registry) {
    const std::vector<metrics::FamilySnapshot> families = registry->Collect();
    sample.requests_total = Sum(families, "kiln_grpc_server_handled_total");
    sample.cache_hits_total = Sum(families, "kiln_action_cache_lookups_total", "result", "hit");
    sample.cache_misses_total = Sum(families, "kiln_action_cache_lookups_total", "result", "miss");
    sample.cas_stored_bytes = Sum(families, "kiln_cas_stored_bytes");
    sample.cas_evicted_blobs_total = Sum(families, "kiln_cas_evicted_blobs_total");
    sample.queued = Sum(families, "kiln_scheduler_queued_actions");
    sample.workers = Sum(families, "kiln_scheduler_workers");
    sample.busy_slots = Sum(families, "kiln_scheduler_busy_slots");
    sample.idle_slots = Sum(families, "kiln_scheduler_idle_slots");
    sample.actions_total = Sum(families, "kiln_actions_executed_total");
    sample.actions_failed_total = Sum(families, "kiln_actions_executed_total", "outcome", "success", true);
  }
  if (scheduler && !sample.queued) {
    // Metrics off: the scheduler still tells its load (a farm's from Redis).
    const SchedulerLoad load = scheduler->Load();
    double queued = 0;
    for (const auto& group : load.queue) queued += static_cast<double>(group.queued);
    sample.queued = queued;
    if (load.workers >= 0) sample.workers = static_cast<double>(load.workers);
    if (load.busy_slots >= 0) sample.busy_slots = static_cast<double>(load.busy_slots);
    if (load.idle_slots >= 0) sample.idle_slots = static_cast<double>(load.idle_slots);
  }
  return sample;
}

void WriteOverview(JsonWriter& json, const OverviewSample& sample) {
  json.BeginObject();
  json.Key("unix_ms").Int(sample.unix_ms);
  Field(json, "requests_total", sample.requests_total);
  Field(json, "cache_hits_total", sample.cache_hits_total);
  Field(json, "cache_misses_total", sample.cache_misses_total);
  Field(json, "cas_stored_bytes", sample.cas_stored_bytes);
  json.Key("cas_capacity_bytes").Int(sample.cas_capacity_bytes);
  Field(json, "cas_evicted_blobs_total", sample.cas_evicted_blobs_total);
  Field(json, "queued", sample.queued);
  Field(json, "workers", sample.workers);
  Field(json, "busy_slots", sample.busy_slots);
  Field(json, "idle_slots", sample.idle_slots);
  Field(json, "actions_total", sample.actions_total);
  Field(json, "actions_failed_total", sample.actions_failed_total);
  json.EndObject();
}

}  // namespace kiln
