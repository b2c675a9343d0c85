#include "server/server_metrics.h"

#include "ac/metered_action_cache.h"
#include "metrics/process_metrics.h"
#include "metrics/text_exposition.h"

namespace kiln {

using metrics::ComputedSamples;
using metrics::MetricType;

ServerMetrics::ServerMetrics()
    : rpc_(registry_),
      actions_(registry_),
      asset_fetches_(registry_.AddCounter(
          "kiln_asset_fetches_total",
          "Remote Asset fetches by kind (blob, directory) and outcome: ok, origin_failed, or the error's code.",
          {"kind", "outcome"})),
      worker_hints_(registry_.AddCounter(
          "kiln_worker_storage_hints_total",
          "Hints of hinted handoff that remote workers sent, by outcome: listed for this frontend's handoff pass, "
          "refused (not of its ring, not a valid digest, or beyond a message's cap), or dropped (the list is full "
          "or unreachable).",
          {"outcome"})) {
  metrics::AddProcessMetrics(registry_);
}

std::unique_ptr<ActionCache> ServerMetrics::MeterActionCache(std::unique_ptr<ActionCache> cache) {
  cache->set_incomplete_results_counter(
      &registry_
           .AddCounter("kiln_action_cache_incomplete_results_total",
                       "Action cache misses of stored results that were incomplete: blobs they reference are no "
                       "longer in the CAS.")
           .Unlabelled());
  return std::make_unique<MeteredActionCache>(std::move(cache), registry_);
}

void ServerMetrics::Watch(const Parts& parts) {
  if (parts.disk) WatchDiskCas(parts.disk);
  if (parts.read_cache) WatchReadCache(parts.read_cache);
  if (parts.scheduler) WatchScheduler(parts.scheduler);
  if (parts.log_streams) WatchLogStreams(parts.log_streams);
  if (parts.calls) WatchCalls(parts.calls);
}

void ServerMetrics::WatchDiskCas(const DiskBlobStore* disk) {
  registry_.AddComputed(MetricType::kGauge, "kiln_cas_stored_bytes", "Bytes of the blobs in the CAS on this server's disk.",
                        {}, [disk](ComputedSamples& s) { s.Add({}, static_cast<double>(disk->total_bytes())); });
  registry_.AddComputed(MetricType::kGauge, "kiln_cas_stored_blobs", "Blobs in the CAS on this server's disk.", {},
                        [disk](ComputedSamples& s) { s.Add({}, static_cast<double>(disk->blob_count())); });
  registry_.AddComputed(MetricType::kCounter, "kiln_cas_evicted_blobs_total",
                        "Blobs evicted from the CAS to stay within its size budget.", {},
                        [disk](ComputedSamples& s) { s.Add({}, static_cast<double>(disk->evicted_blobs())); });
  registry_.AddComputed(MetricType::kCounter, "kiln_cas_evicted_bytes_total",
                        "Bytes of the blobs evicted from the CAS to stay within its size budget.", {},
                        [disk](ComputedSamples& s) { s.Add({}, static_cast<double>(disk->evicted_bytes())); });
  // Replica-aware eviction on a storage node of a ring (0 elsewhere).
  registry_.AddComputed(MetricType::kCounter, "kiln_cas_last_copy_evictions_total",
                        "Blobs evicted although no other storage node was found to hold them (the ring left no "
                        "other way to stay within the budget, or no other node answered).",
                        {}, [disk](ComputedSamples& s) { s.Add({}, static_cast<double>(disk->last_copy_evictions())); });
  registry_.AddComputed(MetricType::kCounter, "kiln_cas_last_copies_kept_total",
                        "Times eviction kept a blob no other storage node holds, evicting others instead.", {},
                        [disk](ComputedSamples& s) { s.Add({}, static_cast<double>(disk->last_copies_kept())); });
  registry_.AddComputed(MetricType::kCounter, "kiln_cas_unchecked_evictions_total",
                        "Blobs evicted without asking the other storage nodes, because uploads outran the questions.",
                        {}, [disk](ComputedSamples& s) { s.Add({}, static_cast<double>(disk->unchecked_evictions())); });
}

void ServerMetrics::WatchReadCache(const SmallBlobCache* cache) {
  registry_.AddComputed(MetricType::kCounter, "kiln_cas_read_cache_lookups_total",
                        "Reads of small blobs by whether the in-memory read cache held them (hit) or not (miss).",
                        {"result"}, [cache](ComputedSamples& s) {
                          s.Add({"hit"}, static_cast<double>(cache->hits()));
                          s.Add({"miss"}, static_cast<double>(cache->misses()));
                        });
  registry_.AddComputed(MetricType::kGauge, "kiln_cas_read_cache_bytes", "Bytes of blobs held by the read cache.", {},
                        [cache](ComputedSamples& s) { s.Add({}, static_cast<double>(cache->cached_bytes())); });
}

SchedulerLoad ServerMetrics::CachedLoad(const Scheduler* scheduler) {
  std::lock_guard lock(load_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now - load_read_at_ >= std::chrono::seconds(1)) {
    load_ = scheduler->Load();
    load_read_at_ = now;
  }
  return load_;
}

void ServerMetrics::WatchScheduler(const Scheduler* scheduler) {
  registry_.AddComputed(MetricType::kGauge, "kiln_scheduler_queued_actions",
                        "Actions waiting for a worker, by the platform they require and their priority.",
                        {"platform", "priority"}, [this, scheduler](ComputedSamples& s) {
                          for (const auto& group : CachedLoad(scheduler).queue) {
                            s.Add({group.platform, std::to_string(group.priority)}, static_cast<double>(group.queued));
                          }
                        });
  const auto worker_gauge = [this, scheduler](const char* name, const char* help, int64_t SchedulerLoad::*field) {
    registry_.AddComputed(MetricType::kGauge, name, help, {}, [this, scheduler, field](ComputedSamples& s) {
      const int64_t value = CachedLoad(scheduler).*field;
      if (value >= 0) s.Add({}, static_cast<double>(value));
    });
  };
  worker_gauge("kiln_scheduler_workers", "Workers registered with the scheduler.", &SchedulerLoad::workers);
  worker_gauge("kiln_scheduler_busy_slots", "Worker slots running an action.", &SchedulerLoad::busy_slots);
  worker_gauge("kiln_scheduler_idle_slots", "Worker slots waiting for an action.", &SchedulerLoad::idle_slots);
}

void ServerMetrics::WatchLogStreams(const LogStreamRegistry* log_streams) {
  registry_.AddComputed(MetricType::kGauge, "kiln_log_streams_live", "Live log streams (still being written).", {},
                        [log_streams](ComputedSamples& s) { s.Add({}, static_cast<double>(log_streams->live_count())); });
  registry_.AddComputed(MetricType::kGauge, "kiln_log_streams", "Log streams held, live and finalized.", {},
                        [log_streams](ComputedSamples& s) { s.Add({}, static_cast<double>(log_streams->stream_count())); });
}

void ServerMetrics::WatchCalls(const CallTracker* calls) {
  registry_.AddComputed(MetricType::kGauge, "kiln_grpc_server_calls_in_progress",
                        "gRPC calls in progress, worker streams included.", {},
                        [calls](ComputedSamples& s) { s.Add({}, static_cast<double>(calls->active_calls())); });
}

std::string ServerMetrics::Render() const { return metrics::RenderText(registry_); }

}  // namespace kiln
