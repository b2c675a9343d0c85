// The parts of a running KilnServer, in the order they are built (and destroyed in
// reverse): private to the kiln_server*.cc files, which build them in stages.
#pragma once

#include <grpcpp/grpcpp.h>

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
  std::unique_ptr<WorkerHintIntake> worker_hints;  // Before worker_service, which calls it.
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

}  // namespace kiln
