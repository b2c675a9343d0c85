#include "server/kiln_server.h"

#include <grpcpp/grpcpp.h>
#include <malloc.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <thread>

#include "ac/local_action_cache.h"
#include "ac/record_store.h"
#include "common/file_util.h"
#include "common/logger.h"
#include "cas/disk_blob_store.h"
#include "cas/read_through_cache.h"
#include "cas/size_limited_blob_store.h"
#include "cas/small_blob_cache.h"
#include "cas/upload_registry.h"
#include "client/client_channel.h"
#include "client/remote_action_cache.h"
#include "backplane/frontend_directory.h"
#include "common/random_hex.h"
#include "execution/execution_engine.h"
#include "execution/local_worker_pool.h"
#include "logstream/log_stream_registry.h"
#include "scheduler/in_process_scheduler.h"
#include "auth/auth_policy_source.h"
#include "auth/denial_log.h"
#include "server/access_log.h"
#include "server/action_cache_service.h"
#include "server/server_description.h"
#include "server/call_authorizer.h"
#include "server/local_workers.h"
#include "server/remote_assets.h"
#include "server/bytestream_service.h"
#include "server/call_tracker.h"
#include "server/capabilities_service.h"
#include "server/cas_service.h"
#include "server/execution_service.h"
#include "server/health_service.h"
#include "server/http_port.h"
#include "server/readiness_checks.h"
#include "server/advertised_target.h"
#include "server/logstream_relay.h"
#include "server/logstream_service.h"
#include "cas/metered_blob_store.h"
#include "server/server_metrics.h"
#include "server/server_tls.h"
#include "server/storage_node_service.h"
#include "server/storage_tier.h"
#include "server/worker_service.h"
#include "worker/action_executor.h"
#include "worker/runner.h"
#include "worker/runner_choice.h"

namespace kiln {

struct KilnServer::State {
  // First, so destroyed last: the metered stores, the interceptor and the watched parts
  // all record into its families until they are gone. Null with metrics off.
  std::unique_ptr<ServerMetrics> metrics;
  // Who may call what: built first, handed to every service.
  std::unique_ptr<AuthPolicySource> auth_policies;  // Null without an auth file.
  std::unique_ptr<DenialLog> denials;
  std::unique_ptr<CallAuthorizer> authorizer;
  // The storage nodes the CAS is kept on (which `cas` reads through), or a storage node's
  // membership of the backplane's ring. Null for a server on its own disk alone.
  std::unique_ptr<StorageTier> storage;
  // The CAS: this server's disk store, or a read-through cache over the storage node's.
  std::unique_ptr<FileBlobStore> cas;
  DiskBlobStore* disk = nullptr;  // The disk store in `cas` (itself, or the cache's).
  std::unique_ptr<BlobScrubber> scrubber;  // After cas: stops before the CAS closes.
  // What clients read through: the CAS behind a small-blob cache, or the CAS itself.
  std::unique_ptr<SmallBlobCache> read_cache;
  std::unique_ptr<MeteredBlobStore> metered_cas;  // With metrics: in front of the two above.
  std::unique_ptr<SizeLimitedBlobStore> upload_limit;  // The above, with max_cas_blob_size_bytes.
  BlobStore* client_cas = nullptr;
  std::unique_ptr<DiskRecordStore> action_records;  // Null with a storage node: its cache serves.
  std::unique_ptr<redis::RedisClient> action_cache_redis;  // With --action-cache redis only.
  std::unique_ptr<ActionCache> action_cache;
  std::unique_ptr<UploadRegistry> uploads;
  std::unique_ptr<LogStreamRegistry> log_streams;  // Live action output, LogStream API.
  // The scheduler and everything that executes: null on a storage node. With a backplane,
  // `scheduler` is the backplane's.
  std::unique_ptr<BackplaneScheduler> backplane;
  // With a backplane: the farm's frontends, and reads of log streams the others hold.
  std::unique_ptr<FrontendDirectory> frontends;
  std::unique_ptr<LogStreamRelay> log_relay;
  std::unique_ptr<Scheduler> own_scheduler;
  Scheduler* scheduler = nullptr;
  std::unique_ptr<ExecutionEngine> engine;
  std::unique_ptr<Runner> runner;
  std::unique_ptr<LocalWorkerPool> local_workers;
  std::unique_ptr<ExecutionService> execution_service;
  std::unique_ptr<OperationsService> operations_service;
  std::unique_ptr<WorkerService> worker_service;  // Null unless remote workers are allowed.
  // Periodic scheduler housekeeping (retention); sleeps on a condition variable.
  std::thread maintenance;
  std::mutex maintenance_mutex;
  std::condition_variable maintenance_wakeup;
  bool stopping = false;
  std::unique_ptr<CapabilitiesService> capabilities_service;
  std::unique_ptr<CasService> cas_service;
  std::unique_ptr<ByteStreamService> bytestream_service;
  std::unique_ptr<ActionCacheService> action_cache_service;
  std::unique_ptr<LogStreamService> logstream_service;
  std::unique_ptr<StorageNodeService> storage_node_service;  // On a storage node: its listing.
  std::unique_ptr<RemoteAssets> assets;
  // Whether this server is ready (/readyz, grpc.health.v1.Health), refreshed every second.
  Readiness readiness;
  std::unique_ptr<HealthService> health_service;
  std::unique_ptr<HttpPort> http;  // Null with --http-listen off.
  std::unique_ptr<AdminService> admin_service;
  std::unique_ptr<CallLogs> call_logs;  // Access log, slow calls.
  CallTracker calls;
  std::shared_ptr<grpc::ServerCredentials> credentials;  // Plaintext or TLS (server_tls.h).
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

KilnServer::KilnServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

KilnServer::~KilnServer() { Shutdown(std::chrono::seconds(0)); }

// Keeps a record store within its budget, and says so when that deletes anything.
static void TrimRecords(const char* what, DiskRecordStore& records) {
  if (const size_t deleted = records.Trim(); deleted > 0) {
    LogInfo(std::string(what) + " over its size budget: deleted the least recently used records",
            {NumberField("deleted", static_cast<int64_t>(deleted))});
  }
}

StatusOr<std::unique_ptr<KilnServer>> KilnServer::Start(const ServerOptions& options) {
  if (options.data_dir.empty()) return Status::InvalidArgument("--data-dir is required");
  if (options.role == ServerRole::kStorage) {
    if (options.workers > 0) return Status::InvalidArgument("a storage node runs no actions: it takes no workers");
    if (!options.storage.target.empty()) {
      return Status::InvalidArgument("a storage node keeps its CAS itself: a storage node of its own is for frontends");
    }
  }
  if (options.storage.target.find(',') != std::string::npos && options.action_cache == ActionCacheLocation::kStorage) {
    return Status::InvalidArgument(
        "with several --cas storage nodes the action cache must be in Redis (--backplane URL --action-cache redis): "
        "a storage node's action cache checks each hit against its own CAS, which holds only its share of the "
        "blobs");
  }
  if (options.action_cache == ActionCacheLocation::kRedis &&
      (options.backplane.url.empty() || options.role == ServerRole::kStorage)) {
    return Status::InvalidArgument("an action cache in Redis needs a frontend with a backplane");
  }
  KILN_RETURN_IF_ERROR(ValidateChunkingConfig(options.chunking));
  auto state = std::make_unique<State>();
  // First: bad certificate files are reported before anything is opened.
  auto credentials = NewServerCredentials(options.tls);
  if (!credentials.ok()) return credentials.status();
  state->credentials = std::move(credentials).value();
  if (options.metrics) state->metrics = std::make_unique<ServerMetrics>();
  KILN_RETURN_IF_ERROR(LoadAuth(options, *state));
  KILN_RETURN_IF_ERROR(OpenStores(options, *state));
  KILN_RETURN_IF_ERROR(CreateServices(options, *state));
  if (state->metrics) {
    state->metrics->Watch({state->disk, state->read_cache.get(), state->scheduler, state->log_streams.get(), &state->calls});
  }
  KILN_RETURN_IF_ERROR(StartGrpcServer(options, *state));
  KILN_RETURN_IF_ERROR(StartHttp(options, *state));
  KILN_RETURN_IF_ERROR(JoinFarm(options, *state));
  StartMaintenance(*state);
  return std::unique_ptr<KilnServer>(new KilnServer(std::move(state)));
}

// The auth file, if any: a file that does not load stops the server from starting.
Status KilnServer::LoadAuth(const ServerOptions& options, State& state) {
  if (!options.auth_file.empty()) {
    AuthPolicySource::Options auth_options;
    auth_options.path = options.auth_file;
    auto source = AuthPolicySource::Open(std::move(auth_options));
    if (!source.ok()) return source.status().WithContext("loading the auth file " + options.auth_file);
    state.auth_policies = std::move(source).value();
  }
  state.denials = std::make_unique<DenialLog>(SystemClock::Get());
  state.authorizer = std::make_unique<CallAuthorizer>(state.auth_policies.get(), state.denials.get());
  return Status::Ok();
}

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

// One adapter per gRPC service, over the stores.
Status KilnServer::CreateServices(const ServerOptions& options, State& state) {
  CapabilitiesOptions capabilities;
  capabilities.max_batch_total_size_bytes = options.max_batch_total_size_bytes;
  capabilities.max_cas_blob_size_bytes = options.max_blob_bytes > 0 ? options.max_blob_bytes : options.max_cas_bytes;
  capabilities.chunking = options.chunking;
  const bool executes = options.role == ServerRole::kAll;
  capabilities.serves_execution = executes;
  capabilities.exec_enabled = executes && (options.workers > 0 || options.allow_remote_workers);
  const CallAuthorizer* authorizer = state.authorizer.get();
  state.capabilities_service = std::make_unique<CapabilitiesService>(capabilities, authorizer);
  state.client_cas = state.cas.get();
  if (options.read_cache_bytes > 0) {
    SmallBlobCacheOptions cache_options;
    cache_options.max_bytes = options.read_cache_bytes;
    state.read_cache = std::make_unique<SmallBlobCache>(state.cas.get(), cache_options);
    state.client_cas = state.read_cache.get();
  }
  if (state.metrics) {
    state.metered_cas = std::make_unique<MeteredBlobStore>(state.client_cas, state.metrics->registry());
    state.client_cas = state.metered_cas.get();
  }
  state.upload_limit = std::make_unique<SizeLimitedBlobStore>(state.client_cas, capabilities.max_cas_blob_size_bytes);
  state.client_cas = state.upload_limit.get();
  CasServiceOptions cas_service_options;
  cas_service_options.max_batch_total_size_bytes = options.max_batch_total_size_bytes;
  cas_service_options.max_message_bytes = options.max_message_bytes;
  cas_service_options.chunking = options.chunking;
  state.cas_service = std::make_unique<CasService>(state.client_cas, cas_service_options, authorizer);
  state.bytestream_service =
      std::make_unique<ByteStreamService>(state.client_cas, state.uploads.get(), state.log_streams.get(), authorizer,
                                          state.log_relay.get());
  state.action_cache_service = std::make_unique<ActionCacheService>(state.action_cache.get(), authorizer);
  if (options.role == ServerRole::kStorage) {
    state.storage_node_service = std::make_unique<StorageNodeService>(state.disk, authorizer);
  }
  // Not on a storage node: Execute and the rest answer UNIMPLEMENTED there, as gRPC does for
  // a service it does not serve.
  if (executes) {
    state.logstream_service = std::make_unique<LogStreamService>(state.log_streams.get(), authorizer);
    state.execution_service = std::make_unique<ExecutionService>(state.engine.get(), state.scheduler, authorizer);
    state.operations_service = std::make_unique<OperationsService>(state.scheduler, authorizer);
    if (options.allow_remote_workers) {
      state.worker_service = std::make_unique<WorkerService>(state.scheduler, state.action_cache.get(),
                                                             state.log_streams.get(), authorizer);
      if (state.metrics) state.worker_service->set_action_metrics(state.metrics->actions());
    }
  }

  state.health_service = std::make_unique<HealthService>(&state.readiness, HealthService::KilnServices(executes));
  state.admin_service = std::make_unique<AdminService>(DescribeServer(options), state.scheduler, state.client_cas,
                                                       state.disk, state.action_cache.get(), authorizer);
  auto assets = StartRemoteAssets(options, state.cas.get(), authorizer);
  if (!assets.ok()) return assets.status().WithContext("starting the Remote Asset services in " + options.data_dir);
  state.assets = std::move(assets).value();
  if (state.metrics) state.assets->fetch_service->set_fetch_counter(state.metrics->asset_fetches());
  return Status::Ok();
}

Status KilnServer::StartGrpcServer(const ServerOptions& options, State& state) {
  grpc::ServerBuilder builder;
  // gRPC enables SO_REUSEPORT by default, which would let a second kiln bind the same port
  // and silently split clients between two data directories.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Ping clients with calls in progress: a worker whose host vanished without closing its
  // connection is noticed (and its actions re-queued) within about a minute and a half.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // gRPC allows any number of streams per connection by default: one client could then put
  // thousands of calls (and their first 64 KiB of data each) into the server's queues at
  // once, ahead of everyone else's. Beyond the cap a client's library holds its new calls
  // until one ends, so a flood queues on the client's side (Bazel uses at most 100 per
  // connection; Google's front ends advertise 100, so clients are used to a cap).
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.max_streams_per_connection);
  builder.AddListeningPort(options.listen, state.credentials, &state.port);
  // Batch requests carry up to max_batch_total_size_bytes of data plus digests and framing.
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.max_batch_total_size_bytes + (1 << 20)));
  builder.SetMaxSendMessageSize(-1);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(state.calls.NewInterceptorFactory(state.metrics ? state.metrics->rpc() : nullptr));
  auto call_logs = CallLogs::Open(options.access_log, options.slow_call, state.authorizer.get());
  if (!call_logs.ok()) return call_logs.status();
  state.call_logs = std::move(call_logs).value();
  if (auto logs = state.call_logs->NewInterceptorFactory()) interceptors.push_back(std::move(logs));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(state.capabilities_service.get());
  builder.RegisterService(state.cas_service.get());
  builder.RegisterService(state.bytestream_service.get());
  builder.RegisterService(state.action_cache_service.get());
  if (state.logstream_service) builder.RegisterService(state.logstream_service.get());
  if (state.execution_service) builder.RegisterService(state.execution_service.get());
  if (state.operations_service) builder.RegisterService(state.operations_service.get());
  if (state.worker_service) builder.RegisterService(state.worker_service.get());
  if (state.storage_node_service) builder.RegisterService(state.storage_node_service.get());
  builder.RegisterService(state.assets->fetch_service.get());
  builder.RegisterService(state.assets->push_service.get());
  builder.RegisterService(state.health_service.get());
  builder.RegisterService(state.admin_service.get());
  state.server = builder.BuildAndStart();
  if (!state.server || state.port == 0) {
    return Status::Unavailable("cannot listen on " + options.listen + " (address in use or invalid?)");
  }
  return Status::Ok();
}

// Readiness checks (answered from the first refresh on), and the HTTP port if asked for.
Status KilnServer::StartHttp(const ServerOptions& options, State& state) {
  AddReadinessChecks(state.readiness, options.data_dir, state.backplane ? state.backplane->client() : nullptr);
  state.readiness.Refresh();
  if (options.http_listen.empty()) return Status::Ok();
  const HttpServerOptions http = HttpServerOptionsFor(options.http_listen, options.http_threads, options.tls);
  HttpPortServices services{state.client_cas, state.disk, state.action_cache.get(), &state.authorizer->requests(),
                            &state.readiness, options.max_cas_bytes};
  services.server_metrics = state.metrics.get();
  services.scheduler = state.scheduler;
  services.log_streams = state.log_streams.get();
  services.metrics = state.metrics ? &state.metrics->registry() : nullptr;
  services.cas_capacity_bytes = options.max_cas_bytes;
  auto port = HttpPort::Start(http, services);
  if (!port.ok()) return port.status();
  state.http = std::move(port).value();
  return Status::Ok();
}

// Tells the farm where this server is, now that its port is known: a frontend to the other
// frontends, a storage node to the storage ring. Redis was there a moment ago; if it is not
// now, the maintenance thread tries again.
Status KilnServer::JoinFarm(const ServerOptions& options, State& state) {
  const bool storage_node = options.role == ServerRole::kStorage && !options.backplane.url.empty();
  if (!state.frontends && !storage_node) return Status::Ok();
  std::string target = options.backplane.advertise;
  if (target.empty()) {
    char host_name[256] = {};
    if (::gethostname(host_name, sizeof(host_name) - 1) != 0) std::strcpy(host_name, "localhost");
    target = DefaultAdvertisedTarget(options.listen, state.port, options.tls.enabled(), host_name);
  }
  if (storage_node) {
    auto membership = StorageTier::Join(options, target);
    if (!membership.ok()) return membership.status();
    state.storage = std::move(membership).value();
    return Status::Ok();
  }
  Status joined = state.frontends->Join(target);
  if (!joined.ok()) LogWarning(joined.message() + " (trying again)");
  return Status::Ok();
}

// Periodic housekeeping (retention, memory, size budgets); sleeps on a condition variable.
void KilnServer::StartMaintenance(State& state) {
  State* raw = &state;
  state.maintenance = std::thread([raw] {
    std::unique_lock lock(raw->maintenance_mutex);
    // The scheduler every second: a backplane's leases must be renewed well within their
    // term (RedisScheduler limits its own upkeep to its maintenance interval); the rest
    // every ten.
    for (int second = 1;; ++second) {
      if (raw->maintenance_wakeup.wait_for(lock, std::chrono::seconds(1), [raw] { return raw->stopping; })) break;
      if (raw->scheduler) raw->scheduler->Tick();
      raw->readiness.Refresh();
      if (raw->frontends) raw->frontends->Tick();
      if (raw->storage) raw->storage->Tick();
      if (second % 10 != 0) continue;
      if (raw->http) raw->http->SampleForCharts();
      if (raw->auth_policies) (void)raw->auth_policies->Poll();  // A bad change is reported by Poll itself.
      raw->log_streams->Tick();
      raw->disk->ReleaseIdleBuffers();
      raw->disk->ShrinkIndexIfSparse();
      if (raw->read_cache) raw->read_cache->DropIdle();
      if (raw->action_records) TrimRecords("action cache", *raw->action_records);
      if (raw->assets) TrimRecords("asset records", *raw->assets->records);
      // Hand memory freed after a burst (large batches, many streams) back to the system,
      // so that an idle server is small again; glibc keeps it otherwise.
      ::malloc_trim(0);
    }
  });
}

int KilnServer::port() const { return state_->port; }

int KilnServer::http_port() const { return state_->http ? state_->http->port() : 0; }
ServerMetrics* KilnServer::metrics() const { return state_->metrics.get(); }

void KilnServer::Shutdown(Duration grace) {
  {
    // The maintenance thread samples the HTTP port's charts under this lock.
    std::lock_guard lock(state_->maintenance_mutex);
    state_->http.reset();
  }
  if (state_->health_service) state_->health_service->Shutdown();  // Watch streams end now.
  if (state_->server) {
    // Let running calls finish (new ones are still accepted meanwhile), then stop at once:
    // idle client connections must not hold shutdown for the whole grace period. Streams
    // waiting on operations count as running, so they get the grace period too.
    // Worker streams never end by themselves: wait for the other calls only.
    // Downloads can take minutes: they give up now rather than hold the grace period.
    if (state_->assets) state_->assets->fetcher->Stop();
    const auto deadline = std::chrono::steady_clock::now() + grace;
    const auto worker_streams = [this] { return state_->worker_service ? state_->worker_service->open_streams() : 0; };
    while (state_->calls.active_calls() > static_cast<int64_t>(worker_streams()) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Fetches still queued finish their calls (as cancelled) before gRPC stops.
    if (state_->assets) state_->assets->pool->Stop();
    state_->server->Shutdown(std::chrono::system_clock::now());
    state_->server->Wait();
    state_->server.reset();
  }
  if (state_->local_workers) state_->local_workers->Stop();
  if (state_->scheduler) state_->scheduler->Shutdown();
  if (state_->maintenance.joinable()) {
    {
      std::lock_guard lock(state_->maintenance_mutex);
      state_->stopping = true;
    }
    state_->maintenance_wakeup.notify_all();
    state_->maintenance.join();
  }
}

}  // namespace kiln
