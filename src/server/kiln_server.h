// Assembles a running kiln frontend from options: opens the stores, builds the services
// over them, and serves gRPC. The only place that knows the whole object graph.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backplane/backplane_scheduler.h"
#include "backplane/redis_action_cache.h"
#include "cas/chunking.h"
#include "cas/message_blob.h"
#include "client/client_connection_options.h"
#include "cas/upload_registry.h"
#include "common/clock.h"
#include "common/status.h"
#include "worker/action_limits.h"
#include "execution/expanded_tree_size.h"
#include "scheduler/scheduler.h"
#include "http/http_server.h"
#include "server/server_tls.h"

namespace kiln {

// What a server does. kAll: a frontend (clients' REAPI, the scheduler, workers). kStorage: a
// storage node that frontends keep their CAS and action cache on: CAS, ByteStream,
// ActionCache, Capabilities and Remote Asset over its disk; no Execution, Operations,
// LogStream or worker service, no scheduler and no workers.
enum class ServerRole { kAll, kStorage };

// Where a frontend keeps its action cache. kStorage: with the CAS -- in data_dir, or on the
// storage node. kRedis: in the backplane's Redis (backplane/redis_action_cache.h).
enum class ActionCacheLocation { kStorage, kRedis };

struct ServerOptions {
  ServerRole role = ServerRole::kAll;
  // A storage node holding this server's CAS and action cache (kiln serve --cas): blobs are
  // written through to it before a write is acknowledged and read through a cache on this
  // server's disk (data_dir, bounded by max_cas_bytes); the action cache is the node's
  // unless it is in Redis (action_cache below).
  // Empty target: the CAS and action cache are this server's own, in data_dir.
  // A comma-separated list of targets: the CAS is spread over those storage nodes
  // (cas/replicated_blob_store.h), storage_replication copies of each blob, each node
  // reached with the same TLS files and token; the action cache must then be in Redis (a
  // storage node's action cache checks hits against its own CAS, which holds only its share).
  ClientConnectionOptions storage;
  int storage_replication = 2;
  // With several nodes: how long their "present" answers are trusted (cas/presence_record.h).
  Duration storage_presence_ttl = std::chrono::seconds(30);
  // With several nodes: how often the handoff pass copies blobs written past a down owner
  // to it (cas/replica_repairer.h).
  Duration storage_handoff_interval = std::chrono::seconds(30);
  // The farm's backplane (kiln serve --backplane): frontends on the same one share their
  // scheduler -- queue, operations, workers (backplane/redis_scheduler.h). Empty URL: this
  // server's own scheduler, in memory.
  BackplaneOptions backplane;
  // How this frontend connects to the farm's other frontends to relay reads of the live
  // log streams they hold (kiln serve --peer-tls-ca, ...): TLS files and token; the
  // targets come from the backplane.
  ClientConnectionOptions peers;
  // kRedis needs a backplane. Of redis_action_cache, the TTL and the entry size cap are
  // used; namespace and inlining come from the options above and below.
  ActionCacheLocation action_cache = ActionCacheLocation::kStorage;
  RedisActionCacheOptions redis_action_cache;
  std::string listen = "127.0.0.1:8980";
  // The HTTP port (server/http_port.h): health checks and the HTTP cache protocol, with the
  // TLS and auth below. Empty: no HTTP port (kiln serve's default is 127.0.0.1:8981; a
  // server embedded in a program or a test has none unless asked, so that several can run).
  std::string http_listen;
  int http_threads = HttpServerOptions().threads;
  // TLS and client certificates on the listener (server/server_tls.h); plaintext by default.
  ServerTlsOptions tls;
  // Principals, credentials and grants (auth/auth_file.h); re-read when it changes. Empty:
  // no authentication, every caller may do everything (kiln serve allows that on loopback
  // only, cli/network_exposure.h).
  std::string auth_file;
  std::string data_dir;
  int64_t max_cas_bytes = int64_t{10} << 30;
  // The largest blob clients may upload, advertised as max_cas_blob_size_bytes; larger
  // uploads are INVALID_ARGUMENT (cas/size_limited_blob_store.h). 0: max_cas_bytes, since
  // nothing larger than the CAS budget (or, with a storage node, than the read cache that
  // serves its blobs) could be kept.
  int64_t max_blob_bytes = 0;
  // How SplitBlob cuts blobs, advertised in the capabilities (upstream's recommended values).
  ChunkingConfig chunking;
  int64_t max_ac_bytes = int64_t{1} << 30;
  Duration find_missing_grace = std::chrono::minutes(10);
  Duration upload_idle_timeout = std::chrono::minutes(10);
  // Open ByteStream uploads, each holding a descriptor: in total and streamed by one
  // connection, and how long a Write may send nothing before it is cancelled
  // (cas/upload_registry.h). kiln serve sizes them from the descriptor limit.
  int64_t max_open_uploads = UploadLimits().max_open;
  int64_t max_uploads_per_connection = UploadLimits().max_per_connection;
  Duration upload_stall_timeout = UploadLimits().stall_timeout;
  bool sync_writes = false;
  int workers = 0;
  // Serve kiln's WorkerService, so that `kiln worker` processes can connect and run actions.
  bool allow_remote_workers = true;
  // "namespaces", "none", or "auto" (namespaces when the host allows them).
  std::string sandbox = "auto";
  std::string work_dir;  // Default: {data_dir}/work.
  std::vector<std::pair<std::string, std::string>> worker_platform;  // Extra properties.
  // Live log streams (LogStream API and actions' output): memory for all of them, and how
  // many one client connection may have open.
  int64_t max_live_log_bytes = int64_t{512} << 20;
  int max_log_streams_per_connection = 64;
  // Calls in progress on one client connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS).
  int max_streams_per_connection = 100;
  // gRPC's HTTP/2 bandwidth-delay probing, which widens flow control windows (kiln_server.cc
  // says why it is off by default).
  bool http2_bdp_probe = false;
  // What each action of the local workers may consume (worker/action_limits.h).
  ActionLimitPolicy action_limits = DefaultActionLimitPolicy();
  Duration completed_operation_retention = std::chrono::minutes(10);
  // A worker that took an action and has not reported its result this long after the
  // action's timeout is treated as lost; the action is tried again up to this many times in
  // all (scheduler/scheduler.h).
  Duration worker_report_grace = SchedulerOptions().report_grace;
  int max_action_attempts = SchedulerOptions().max_attempts;
  int64_t max_batch_total_size_bytes = 4 * 1024 * 1024;
  int64_t max_inline_bytes = 1024 * 1024;
  // Small blobs read through the CAS and ByteStream services are kept in memory up to this
  // many bytes (0: no cache).
  int64_t read_cache_bytes = 64 << 20;
  int64_t direct_write_min_bytes = int64_t{1} << 20;
  // The background scrubber re-hashes stored blobs at this average rate (0: off).
  int64_t scrub_bytes_per_second = int64_t{64} << 20;
  // Remote Asset fetches from origin: the timeout when a request sets none, and how many
  // run at once (each blocks a thread on the network).
  Duration asset_fetch_timeout = std::chrono::minutes(10);
  int asset_fetch_threads = 4;
  // Directories file:// URIs may be fetched from (real paths under them); none: refused.
  std::vector<std::string> asset_file_roots;
  // Where Remote Asset fetches may connect: loopback, private, link-local and multicast
  // addresses are refused (asset/destination_policy.h) unless all are allowed, or the
  // address is in one of the allowed networks ("10.1.0.0/16", "fd00::/8", "192.0.2.7").
  bool asset_allow_private_networks = false;
  std::vector<std::string> asset_allow_networks;
  // What a FetchDirectory archive may unpack to (asset/archive_extractor.h).
  int64_t asset_max_unpacked_bytes = int64_t{10} << 30;
  int asset_max_archive_entries = 1'000'000;
  int asset_max_unpack_ratio = 200;
  // Directory, Action, Command and Tree messages larger than this are not read from the
  // CAS, wherever kiln would read one (Execute, staging, GetTree, the action cache's and
  // Remote Asset's tree checks).
  int64_t max_message_bytes = kDefaultMaxMessageBytes;
  // Execute refuses input trees beyond these once expanded (execution/expanded_tree_size.h).
  int max_input_files = static_cast<int>(InputTreeLimits().max_entries);
  int64_t max_input_bytes = InputTreeLimits().max_bytes;
  int max_input_depth = static_cast<int>(InputTreeLimits().max_depth);
  // One line per finished call: "" none, "-" stdout, else a file (server/access_log.h);
  // calls slower than slow_call on the server's log, with their phases.
  std::string access_log;
  std::optional<Duration> slow_call;
  // Execute is RESOURCE_EXHAUSTED while this many actions wait for a worker.
  int max_queued_actions = static_cast<int>(SchedulerOptions().max_queued_actions);
  // Record metrics (server/server_metrics.h; kiln serve --metrics off: not, to measure
  // what they cost).
  bool metrics = true;
};

class ServerMetrics;

class KilnServer {
 public:
  // Opens the data directory and starts serving. Fails if the address cannot be bound.
  static StatusOr<std::unique_ptr<KilnServer>> Start(const ServerOptions& options);
  ~KilnServer();

  // The bound port (useful with port 0).
  int port() const;
  // The HTTP port's, 0 without one.
  int http_port() const;
  // What /metrics renders; null when metrics are off. Valid until this is destroyed.
  ServerMetrics* metrics() const;
  // Stops accepting calls, gives running calls `grace` to finish, then cancels them.
  void Shutdown(Duration grace);

 private:
  struct State;
  explicit KilnServer(std::unique_ptr<State> state);
  // Start's steps, in order.
  static Status LoadAuth(const ServerOptions& options, State& state);
  static Status OpenStores(const ServerOptions& options, State& state);
  static Status OpenCas(const ServerOptions& options, State& state);
  static Status OpenActionCache(const ServerOptions& options, State& state);
  static Status StartScheduler(const ServerOptions& options, State& state);
  static Status CreateServices(const ServerOptions& options, State& state);
  static Status StartGrpcServer(const ServerOptions& options, State& state);
  static Status StartHttp(const ServerOptions& options, State& state);
  static Status JoinFarm(const ServerOptions& options, State& state);
  static void StartMaintenance(State& state);
  std::unique_ptr<State> state_;
};

}  // namespace kiln
