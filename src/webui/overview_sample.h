// The overview page's numbers at one moment, read in-process from the metric registry
// (metrics/metric_registry.h: the same values /metrics renders, no text parsed) and, when
// metrics are off, what the scheduler tells directly. Totals, not rates: rates come from
// two samples, in the browser (every poll) or from the history ring (overview_history.h).
#pragma once

#include <cstdint>
#include <optional>

#include "metrics/metric_registry.h"
#include "scheduler/scheduler.h"
#include "webui/json_writer.h"

namespace kiln {

struct OverviewSample {
  int64_t unix_ms = 0;
  // nullopt: not known here (metrics off, or no such part on this server).
  std::optional<double> requests_total;       // gRPC calls finished.
  std::optional<double> cache_hits_total;     // Action cache lookups that hit...
  std::optional<double> cache_misses_total;   // ... and that missed.
  std::optional<double> cas_stored_bytes;
  int64_t cas_capacity_bytes = 0;             // The CAS budget (--max-cas-bytes); 0: unknown.
  std::optional<double> cas_evicted_blobs_total;
  std::optional<double> queued;
  std::optional<double> workers;
  std::optional<double> busy_slots;
  std::optional<double> idle_slots;
  std::optional<double> actions_total;         // Actions workers finished...
  std::optional<double> actions_failed_total;  // ... of which not with exit code 0.
};

// `registry` and `scheduler` may be null. Collects the whole registry (a scrape's work,
// scrape-time families included): meant for a page's poll every second or two.
OverviewSample ReadOverview(const metrics::MetricRegistry* registry, const Scheduler* scheduler,
                            int64_t cas_capacity_bytes, int64_t unix_ms);

// The sample as a JSON object (unknown values null).
void WriteOverview(JsonWriter& json, const OverviewSample& sample);

}  // namespace kiln
