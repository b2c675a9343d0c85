// KilnServer's stores and scheduler: the CAS (its own disk, or storage nodes read through
// it), the action cache, uploads, log streams, and the scheduler with what executes.
#include "server/kiln_server_state.h"

namespace kiln {

// The CAS, the action cache, uploads, log streams, and (but on a storage node) the
// scheduler and the local workers.
Status KilnServer::OpenStores(const ServerOptions& options, State& state) {
  KILN_RETURN_IF_ERROR(OpenCas(options, state));
  if (options.scrub_bytes_per_second > 0) {
    BlobScrubberOptions scrub_options;
    scrub_options.bytes_per_second = options.scrub_bytes_per_second;
    state.scrubber = std::make_unique<BlobScrubber>(state.disk, scrub_options);
    state.scrubber->Start();
  }
  KILN_RETURN_IF_ERROR(OpenActionCache(options, state));
  if (state.metrics) state.action_cache = state.metrics->MeterActionCache(std::move(state.action_cache));
  UploadLimits upload_limits;
  upload_limits.max_open = options.max_open_uploads;
  upload_limits.max_per_connection = options.max_uploads_per_connection;
  upload_limits.idle_timeout = options.upload_idle_timeout;
  upload_limits.stall_timeout = options.upload_stall_timeout;
  state.uploads = std::make_unique<UploadRegistry>(SystemClock::Get(), upload_limits);
  LogStreamOptions log_options;
  log_options.max_live_bytes = options.max_live_log_bytes;
  log_options.max_live_streams_per_creator = static_cast<size_t>(options.max_log_streams_per_connection);
  if (!options.backplane.url.empty() && options.role == ServerRole::kAll) {
    // This frontend's id in the farm, in the names of the streams it holds.
    auto id = RandomHex(8);
    if (!id.ok()) return id.status();
    log_options.holder = std::move(id).value();
  }
  state.log_streams = std::make_unique<LogStreamRegistry>(SystemClock::Get(), log_options);
  if (options.role == ServerRole::kStorage) return Status::Ok();
  return StartScheduler(options, state);
}

// The disk store in data_dir: the CAS itself, or (with a storage node) the cache that the
// storage node's blobs are read through.
Status KilnServer::OpenCas(const ServerOptions& options, State& state) {
  DiskBlobStoreOptions cas_options;
  cas_options.root = options.data_dir;
  cas_options.max_bytes = options.max_cas_bytes;
  cas_options.grace_period = options.find_missing_grace;
  cas_options.sync_writes = options.sync_writes;
  cas_options.direct_write_min_bytes = options.direct_write_min_bytes;
  auto disk = DiskBlobStore::Open(cas_options);
  if (!disk.ok()) return disk.status().WithContext("opening the CAS in " + options.data_dir);
  state.disk = disk->get();
  auto storage = StorageTier::Open(options);
  if (!storage.ok()) return storage.status();
  state.storage = std::move(storage).value();
  if (!state.storage) {
    state.cas = std::move(disk).value();
    return Status::Ok();
  }
  state.cas = std::make_unique<ReadThroughCache>(std::move(disk).value(), state.storage->cas());
  return Status::Ok();
}

// In the backplane's Redis when asked (always with the backplane's storage ring); else the
// storage node's when there is one; else records in {data_dir}/ac.
Status KilnServer::OpenActionCache(const ServerOptions& options, State& state) {
  if (options.action_cache == ActionCacheLocation::kRedis || (state.storage && state.storage->follows_ring())) {
    auto address = ResolveBackplaneAddress(options.backplane);
    if (!address.ok()) return address.status();
    // A connection pool of its own: bursts of cache hits never wait for the connections the
    // scheduler's calls need.
    auto client = redis::ConnectRedis(*address, options.backplane.client);
    if (!client.ok()) return client.status().WithContext("connecting to the backplane for the action cache");
    state.action_cache_redis = std::move(client).value();
    RedisActionCacheOptions cache_options = options.redis_action_cache;
    cache_options.key_namespace = options.backplane.scheduler.key_namespace;
    cache_options.max_inline_bytes = options.max_inline_bytes;
    cache_options.max_message_bytes = options.max_message_bytes;
    state.action_cache =
        std::make_unique<RedisActionCache>(state.action_cache_redis.get(), state.cas.get(), std::move(cache_options));
    return Status::Ok();
  }
  if (state.storage && state.storage->single_node_channel()) {
    RemoteActionCacheOptions cache_options;
    cache_options.inline_cas = state.cas.get();
    cache_options.max_inline_bytes = options.max_inline_bytes;
    state.action_cache = NewRemoteActionCache(state.storage->single_node_channel(), cache_options);
    return Status::Ok();
  }
  auto records = DiskRecordStore::Open(options.data_dir + "/ac", options.sync_writes, options.max_ac_bytes);
  if (!records.ok()) return records.status().WithContext("opening the action cache in " + options.data_dir);
  state.action_records = std::move(records).value();
  state.action_cache = std::make_unique<LocalActionCache>(state.action_records.get(), state.cas.get(),
                                                          options.max_inline_bytes, options.max_message_bytes);
  return Status::Ok();
}

// The scheduler, the engine that feeds it and the local workers.
Status KilnServer::StartScheduler(const ServerOptions& options, State& state) {
  SchedulerOptions scheduler_options;
  scheduler_options.completed_retention = options.completed_operation_retention;
  scheduler_options.max_queued_actions = static_cast<size_t>(options.max_queued_actions);
  scheduler_options.report_grace = options.worker_report_grace;
  scheduler_options.max_attempts = options.max_action_attempts;
  // The timeouts every worker (local, and `kiln worker`) enforces: an assignment expires
  // only once its worker had all of its action's timeout, and the grace period besides.
  const ActionExecutorOptions worker_defaults;
  scheduler_options.default_action_timeout = worker_defaults.default_timeout;
  scheduler_options.max_action_timeout = worker_defaults.max_timeout;
  if (options.backplane.url.empty()) {
    state.own_scheduler = std::make_unique<InProcessScheduler>(SystemClock::Get(), scheduler_options);
    state.scheduler = state.own_scheduler.get();
  } else {
    auto backplane = BackplaneScheduler::Start(options.backplane, SystemClock::Get(), scheduler_options);
    if (!backplane.ok()) return backplane.status().WithContext("connecting to the backplane");
    state.backplane = std::move(backplane).value();
    state.scheduler = state.backplane->scheduler();
    FrontendDirectoryOptions directory_options;
    directory_options.key_namespace = options.backplane.scheduler.key_namespace;
    state.frontends = std::make_unique<FrontendDirectory>(state.backplane->client(), SystemClock::Get(),
                                                          directory_options, state.log_streams->holder());
    state.log_relay = std::make_unique<LogStreamRelay>(state.frontends.get(), options.peers);
  }
  ExecuteLimits limits;
  limits.max_message_bytes = options.max_message_bytes;
  limits.input_tree.max_entries = options.max_input_files;
  limits.input_tree.max_bytes = options.max_input_bytes;
  limits.input_tree.max_depth = options.max_input_depth;
  state.engine = std::make_unique<ExecutionEngine>(state.cas.get(), state.action_cache.get(), state.scheduler, limits);
  if (options.workers > 0) {
    Status started = StartLocalWorkers(options, state.cas.get(), state.action_cache.get(), state.scheduler,
                                       state.log_streams.get(), state.metrics ? state.metrics->actions() : nullptr,
                                       state.runner, state.local_workers);
    if (!started.ok()) return started.WithContext("starting local workers");
  }
  return Status::Ok();
}

}  // namespace kiln
