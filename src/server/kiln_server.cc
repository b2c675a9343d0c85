#include "server/kiln_server.h"

#include <malloc.h>
#include <unistd.h>

#include <cstring>

#include "server/kiln_server_state.h"

namespace kiln {


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
    state.storage_node_service = std::make_unique<StorageNodeService>(state.disk, state.disk, authorizer);
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
      if (state.storage) state.worker_service->set_storage_rings(state.storage->rings());
      if (state.storage && state.storage->hints()) {
        state.worker_hints = std::make_unique<WorkerHintIntake>(
            state.storage->rings(), state.storage->hints(), state.metrics ? state.metrics->worker_hints() : nullptr);
        state.worker_service->set_storage_hints(state.worker_hints.get());
      }
    }
  }

  state.health_service = std::make_unique<HealthService>(&state.readiness, HealthService::KilnServices(executes));
  state.admin_service = std::make_unique<AdminService>(DescribeServer(options), state.scheduler, state.client_cas,
                                                       state.disk, state.action_cache.get(), authorizer);
  if (state.storage && state.storage->follows_ring()) state.admin_service->set_storage_ring(state.storage.get());
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
  // gRPC's bandwidth-delay probing grows each connection's HTTP/2 windows to what the link
  // carries, so a client may send far ahead of what the server has read. Under kiln attack's
  // 20,000 abandoned uploads over 200 connections, all 20,000 (1.3 GB) were in within the
  // first two or three seconds, handled by the two threads that also answer every other
  // call: GetCapabilities' p99 was 0.2-3.7 s. Without it the windows stay at HTTP/2's
  // 64 KiB plus what each call has asked to read, the server's reading paces the flood, and
  // the p99 was 12-200 ms (on a shared 2-core machine; README "Under attack"). On loopback,
  // uploads are as fast either way; a client a long round trip away uploads faster with it.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, options.http2_bdp_probe ? 1 : 0);
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
  services.remote_logs = state.log_relay.get();
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
    auto membership = StorageTier::Join(options, target, state.disk);
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
