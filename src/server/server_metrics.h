// A kiln server's metrics: the registry /metrics renders, the per-RPC and per-action
// recorders, and the families read at scrape time from the server's parts (the CAS on
// disk, the read cache, the scheduler, live log streams, calls in progress, the process).
// KilnServer creates one unless metrics are off (ServerOptions::metrics), and hands the
// recorders to the parts that record; Watch* add what is read at scrape time.
// REQUIRES: every part watched outlives the last Render().
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "ac/action_cache.h"
#include "cas/disk_blob_store.h"
#include "cas/small_blob_cache.h"
#include "execution/action_metrics.h"
#include "logstream/log_stream_registry.h"
#include "metrics/metric_registry.h"
#include "scheduler/scheduler.h"
#include "server/call_tracker.h"
#include "server/rpc_metrics.h"

namespace kiln {

class ServerMetrics {
 public:
  ServerMetrics();

  metrics::MetricRegistry& registry() { return registry_; }
  RpcMetrics* rpc() { return &rpc_; }
  ActionMetrics* actions() { return &actions_; }
  metrics::Family<metrics::Counter>* asset_fetches() { return &asset_fetches_; }
  metrics::Family<metrics::Counter>* worker_hints() { return &worker_hints_; }

  // Puts a MeteredActionCache in front of `cache` and counts its incomplete results.
  std::unique_ptr<ActionCache> MeterActionCache(std::unique_ptr<ActionCache> cache);

  // What Watch reads at scrape time; null parts are not watched.
  struct Parts {
    const DiskBlobStore* disk = nullptr;
    const SmallBlobCache* read_cache = nullptr;
    const Scheduler* scheduler = nullptr;
    const LogStreamRegistry* log_streams = nullptr;
    const CallTracker* calls = nullptr;
  };
  void Watch(const Parts& parts);

  void WatchDiskCas(const DiskBlobStore* disk);
  void WatchReadCache(const SmallBlobCache* cache);
  void WatchScheduler(const Scheduler* scheduler);
  void WatchLogStreams(const LogStreamRegistry* log_streams);
  void WatchCalls(const CallTracker* calls);

  // The Prometheus text exposition of everything (metrics/text_exposition.h).
  std::string Render() const;

 private:
  // The scheduler's load, read at most once a second: a farm's comes from Redis, and
  // several families ask for it in one scrape.
  SchedulerLoad CachedLoad(const Scheduler* scheduler);

  metrics::MetricRegistry registry_;
  RpcMetrics rpc_;
  ActionMetrics actions_;
  metrics::Family<metrics::Counter>& asset_fetches_;
  metrics::Family<metrics::Counter>& worker_hints_;
  std::mutex load_mutex_;
  std::chrono::steady_clock::time_point load_read_at_;  // Guarded by load_mutex_.
  SchedulerLoad load_;                                   // Guarded by load_mutex_.
};

}  // namespace kiln
