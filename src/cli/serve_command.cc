#include "cli/serve_command.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "asset/destination_policy.h"
#include "asset/file_uri_roots.h"
#include "cli/action_cache_flags.h"
#include "cli/action_limit_flags.h"
#include "cli/backplane_flags.h"
#include "cli/default_slots.h"
#include "cli/flags.h"
#include "cli/http_flags.h"
#include "cli/log_flags.h"
#include "common/logger.h"
#include "cli/network_exposure.h"
#include "cli/serve_role_flags.h"
#include "cli/server_tls_flags.h"
#include "cli/stop_signals.h"
#include "cli/upload_limit_flags.h"
#include "common/descriptor_limit.h"
#include "common/server_allocator.h"
#include "scheduler/platform.h"
#include "server/kiln_server.h"
#include "worker/runner_choice.h"

namespace kiln {
namespace {

std::string DefaultDataDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/kiln";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/kiln";
  return ".kiln-data";
}

void AppendCommaSeparated(std::string_view list, std::vector<std::string>& out) {
  while (true) {
    const size_t comma = list.find(',');
    out.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

Status ValidateAssetFlags(const ServerOptions& options) {
  if (options.asset_fetch_timeout <= Duration::zero() || options.asset_fetch_timeout > std::chrono::hours(1)) {
    return Status::InvalidArgument("--asset-fetch-timeout must be more than 0 and at most 1h");
  }
  KILN_RETURN_IF_ERROR(
      DestinationPolicy::FromFlags(options.asset_allow_private_networks, options.asset_allow_networks).status());
  return FileUriRoots::FromDirectories(options.asset_file_roots).status();
}

}  // namespace

int RunServeCommand(const std::vector<std::string>& args) {
  ServerOptions options;
  options.data_dir = DefaultDataDir();
  options.workers = DefaultSlotsPerMachine();
  FlagSet flags("kiln serve [flags]",
                "Runs the kiln frontend: REAPI Capabilities, ContentAddressableStorage, ByteStream,\n"
                "ActionCache and Execution over an embedded disk store (or over a storage node's, --cas),\n"
                "or a storage node for other frontends (--role storage). Stops cleanly on SIGINT or SIGTERM.");
  flags.AddConfigFile();
  flags.AddString("listen", &options.listen, "Address to serve gRPC on, HOST:PORT (port 0 picks a free port).");
  ServeRoleFlags role_flags;
  AddServeRoleFlags(flags, role_flags);
  AddBackplaneFlags(flags, options);
  ActionCacheFlags action_cache_flags;
  AddActionCacheFlags(flags, action_cache_flags);
  ServerTlsFlags tls_flags;
  AddServerTlsFlags(flags, tls_flags);
  AddHttpFlags(flags, options);
  LogFlags log_flags;
  AddLogFlags(flags, log_flags);
  flags.AddString("data-dir", &options.data_dir, "Directory for the CAS and action cache; created if missing.");
  flags.AddBytes("max-cas-bytes", &options.max_cas_bytes,
                 "Size budget of the CAS (e.g. 500M, 20G). Least recently used blobs are evicted beyond it.");
  flags.AddBytes("max-blob-bytes", &options.max_blob_bytes,
                 "Largest blob clients may upload (advertised as max_cas_blob_size_bytes; larger uploads are "
                 "INVALID_ARGUMENT). 0: the CAS budget, --max-cas-bytes.");
  flags.AddBytes("max-ac-bytes", &options.max_ac_bytes,
                 "Size budget of the action cache; least recently used entries are deleted beyond it.", FlagRange::AtLeast(1));
  flags.AddDuration("find-missing-grace", &options.find_missing_grace,
                    "How long a blob reported present by FindMissingBlobs is protected from eviction.");
  flags.AddDuration("worker-report-grace", &options.worker_report_grace,
                    "A worker that has not reported an action's result this long after the action's timeout is "
                    "treated as lost: the action is tried again on another (it counts as an attempt).");
  flags.AddInt("max-action-attempts", &options.max_action_attempts,
               "How many times an action is tried when its worker disappears or stays silent; then it fails with "
               "UNAVAILABLE.",
               FlagRange::Between(1, 100));
  flags.AddDuration("upload-idle-timeout", &options.upload_idle_timeout,
                    "How long an interrupted ByteStream upload is kept for resumption.");
  UploadLimitFlags upload_limits;
  upload_limits.stall_timeout = options.upload_stall_timeout;
  AddUploadLimitFlags(flags, upload_limits);
  flags.AddBool("fsync", &options.sync_writes,
                "fdatasync every blob before publishing it (survives power loss; slower writes).");
  flags.AddBool("metrics", &options.metrics,
                "Record the metrics /metrics serves (--metrics=false records none: to measure what they cost).");
  flags.AddBytes("read-cache-bytes", &options.read_cache_bytes,
                 "Memory for recently read small blobs (up to 64 KiB each) served by the CAS and ByteStream "
                 "services; 0 turns the cache off.",
                 FlagRange::AtLeast(0));
  flags.AddBytes("direct-write-min-bytes", &options.direct_write_min_bytes,
                 "Uploads at least this large are written with O_DIRECT, bypassing the page cache (faster "
                 "where filling fresh cache pages is the bottleneck); 0 writes everything through the page cache.",
                 FlagRange::AtLeast(0));
  flags.AddBytes("scrub-bytes-per-second", &options.scrub_bytes_per_second,
                 "Average rate at which a background scrubber re-hashes stored blobs to find ones corrupted on "
                 "disk (moved to DATA/quarantine/, then missing); 0 turns it off.",
                 FlagRange::AtLeast(0));
  flags.AddBytes("max-batch-bytes", &options.max_batch_total_size_bytes,
                 "Largest total of blob data in one BatchUpdateBlobs/BatchReadBlobs call.", FlagRange::AtMost(int64_t{1} << 30));
  flags.AddInt("workers", &options.workers,
               "Local worker slots that run actions in this process (0 = none: only remote workers run actions).",
               FlagRange::AtLeast(0));
  flags.AddBool("allow-remote-workers", &options.allow_remote_workers,
                "Let `kiln worker` processes connect (kiln's WorkerService) and run actions. With --workers 0 "
                "and --allow-remote-workers=false, execution is disabled.");
  flags.AddString("sandbox", &options.sandbox, std::string("How local workers isolate actions: ") + kSandboxModesHelp);
  flags.AddString("work-dir", &options.work_dir, "Where local workers build action directories (default: DATA/work).");
  std::vector<std::string> platform_flags;
  flags.AddStringList("platform", &platform_flags,
                      "KEY=VALUE platform property the local workers offer besides OSFamily and ISA; repeatable.");
  flags.AddBytes("max-live-log-bytes", &options.max_live_log_bytes,
                 "Memory for the live output of all log streams together (actions' stdout/stderr, LogStream "
                 "API); once it is in use, further live output is cut (the ActionResult keeps all of it).",
                 FlagRange::AtLeast(0));
  flags.AddInt("max-log-streams-per-connection", &options.max_log_streams_per_connection,
               "Unfinished log streams one client connection may have created (CreateLogStream); "
               "RESOURCE_EXHAUSTED beyond.",
               FlagRange::AtLeast(1));
  flags.AddInt("max-streams-per-connection", &options.max_streams_per_connection,
               "Calls one client connection may have in progress at once (HTTP/2 "
               "SETTINGS_MAX_CONCURRENT_STREAMS). Further calls are not refused: the client's gRPC library "
               "holds them until one ends. Keeps one connection from flooding the server's queues.",
               FlagRange::Between(1, 1 << 20));
  flags.AddBool("http2-bdp-probe", &options.http2_bdp_probe,
                "Let gRPC widen each connection's HTTP/2 flow control windows to the link's bandwidth-delay "
                "product, so that clients far away (long round trips) upload faster. Off by default: it also "
                "lets a flood of uploads arrive all at once, ahead of every other call.");
  AddActionLimitFlags(flags, options.action_limits);
  flags.AddDuration("asset-fetch-timeout", &options.asset_fetch_timeout,
                    "Remote Asset: how long a fetch from origin may take when the request sets no timeout "
                    "(at most 1h, the longest any request gets).");
  flags.AddInt("asset-fetch-threads", &options.asset_fetch_threads,
               "Remote Asset: fetches from origin that run at once; more wait in a queue.", FlagRange::Between(1, 256));
  std::vector<std::string> file_root_flags;
  flags.AddStringList("asset-file-roots", &file_root_flags,
                      "DIR,... Remote Asset: directories file:// URIs (downloads, git remotes) may read from; "
                      "a URI whose real path is elsewhere is refused. Default: none, file URIs refused.");
  flags.AddBool("asset-allow-private-networks", &options.asset_allow_private_networks,
                "Remote Asset: let fetches (downloads, git over http/https) connect to loopback, private, "
                "link-local, carrier-grade NAT, multicast and reserved addresses, which are refused by default "
                "(checked on the address connected to, after DNS resolution and on every redirect).");
  std::vector<std::string> allow_network_flags;
  flags.AddStringList("asset-allow-networks", &allow_network_flags,
                      "CIDR,... Remote Asset: networks fetches may connect to although they are private, "
                      "e.g. 10.1.0.0/16,fd00::/8 or a single address; repeatable.");
  flags.AddBytes("asset-max-unpacked-bytes", &options.asset_max_unpacked_bytes,
                 "Remote Asset: most a FetchDirectory archive may unpack to (its files' total size); "
                 "the fetch fails RESOURCE_EXHAUSTED beyond it.",
                 FlagRange::AtLeast(1));
  flags.AddInt("asset-max-archive-entries", &options.asset_max_archive_entries,
               "Remote Asset: most entries (files, directories, links) a FetchDirectory archive may hold.",
               FlagRange::AtLeast(1));
  flags.AddInt("asset-max-unpack-ratio", &options.asset_max_unpack_ratio,
               "Remote Asset: most an archive may unpack to per byte of its own size (archives unpacking to "
               "64 MiB or less are never refused for it); 0 = no ratio limit.",
               FlagRange::AtLeast(0));
  flags.AddBytes("max-message-bytes", &options.max_message_bytes,
                 "Largest Directory, Action, Command or Tree message kiln reads from the CAS (checked from the "
                 "digest, before reading); Execute and GetTree refuse bigger ones with FAILED_PRECONDITION.",
                 FlagRange::Between(1024, int64_t{1} << 30));
  flags.AddInt("max-input-files", &options.max_input_files,
               "Execute refuses (FAILED_PRECONDITION) an input tree with more files, directories and symlinks "
               "than this once expanded (a Directory named N times counts N times).",
               FlagRange::AtLeast(1));
  flags.AddBytes("max-input-bytes", &options.max_input_bytes,
                 "Execute refuses an input tree whose files hold more than this once expanded.", FlagRange::AtLeast(0));
  // At most 4096: staging recurses once per level, on worker threads' stacks.
  flags.AddInt("max-input-depth", &options.max_input_depth,
               "Execute refuses an input tree with more directory levels below its root than this.",
               FlagRange::Between(0, 4096));
  flags.AddInt("max-queued-actions", &options.max_queued_actions,
               "Actions waiting for a worker, at most; beyond, Execute answers RESOURCE_EXHAUSTED (an action "
               "identical to one queued or running joins it and is never refused).",
               FlagRange::AtLeast(1));
  bool allow_anonymous_network_access = false;
  flags.AddString("auth-file", &options.auth_file,
                  "JSON file of principals (token hashes, client certificate names, JWT issuers) and their "
                  "permissions per instance; re-read when it changes. Without it every caller may do everything, "
                  "which kiln allows only on a loopback --listen (README: Security).");
  flags.AddBool("allow-anonymous-network-access", &allow_anonymous_network_access,
                "Serve a non-loopback --listen without an auth file: anyone who reaches the port may run commands "
                "and write the cache. Only for networks you trust completely; prints a warning.");
  Status parsed = flags.Parse(args);
  for (const std::string& list : file_root_flags) AppendCommaSeparated(list, options.asset_file_roots);
  for (const std::string& list : allow_network_flags) AppendCommaSeparated(list, options.asset_allow_networks);
  if (parsed.ok()) parsed = ResolveLogFlags(log_flags, options);
  if (parsed.ok()) parsed = ResolveServeRoleFlags(flags, role_flags, options);
  if (parsed.ok()) parsed = ResolveBackplaneFlags(flags, options);
  if (parsed.ok()) parsed = ResolveActionCacheFlags(flags, action_cache_flags, options);
  if (parsed.ok()) parsed = ParsePlatformProperties(platform_flags, options.worker_platform).WithContext("--platform");
  if (parsed.ok()) parsed = ValidateAssetFlags(options);
  if (parsed.ok()) {
    auto tls = ResolveServerTlsFlags(tls_flags);
    parsed = tls.status();
    if (tls.ok()) options.tls = std::move(tls).value();
  }
  if (parsed.ok()) parsed = CheckActionLimitPolicy(options.action_limits);
  std::string exposure_warning;
  if (parsed.ok()) {
    parsed = CheckNetworkExposure(options.listen, !options.auth_file.empty(), allow_anonymous_network_access,
                                  &exposure_warning);
  }
  if (parsed.ok()) parsed = ResolveHttpFlags(options, allow_anonymous_network_access, &exposure_warning);
  // Raised before anything opens descriptors; the upload limits are sized from it.
  auto descriptors = RaiseDescriptorLimit();
  if (parsed.ok()) parsed = descriptors.status();
  if (parsed.ok()) {
    auto resolved = ResolveUploadLimits(upload_limits, descriptors->now);
    parsed = resolved.status();
    if (resolved.ok()) {
      options.max_open_uploads = resolved->max_open;
      options.max_uploads_per_connection = resolved->max_per_connection;
      options.upload_stall_timeout = resolved->stall_timeout;
    }
  }
  if (std::optional<int> exit_code = flags.ExitCode(parsed, "kiln serve")) return *exit_code;

  if (!exposure_warning.empty()) LogWarning(exposure_warning.substr(0, exposure_warning.find_last_not_of('\n') + 1));
  ConfigureAllocatorForServing();  // Before any thread starts.
  StopSignals stop_signals;  // Before any gRPC thread starts, so that all inherit the mask.

  auto server = KilnServer::Start(options);
  if (!server.ok()) {
    LogError(server.status().message());
    return 1;
  }
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  const bool redis_ac = options.action_cache == ActionCacheLocation::kRedis;
  std::cout << "kiln: serving on " << host << ":" << (*server)->port() << " (" << DescribeServerTls(options.tls)
            << (options.role == ServerRole::kStorage ? ", storage node" : "")
            << (options.storage.target.empty() ? ", data in " + options.data_dir
                                               : std::string(redis_ac ? ", CAS on " : ", CAS and action cache on ") +
                                                     options.storage.target + ", read cache in " + options.data_dir)
            << (redis_ac ? ", action cache in Redis" : "")
            << ")"
            << ((*server)->http_port() ? "; HTTP on " + options.http_listen.substr(0, options.http_listen.rfind(':')) +
                                             ":" + std::to_string((*server)->http_port())
                                       : std::string())
            << std::endl;
  // After the serving line, which scripts wait for first.
  std::cout << "kiln: file descriptor limit " << descriptors->now
            << (descriptors->now > descriptors->before ? " (raised from " + std::to_string(descriptors->before) + ")"
                                                       : std::string())
            << "; open uploads at most " << options.max_open_uploads << ", " << options.max_uploads_per_connection
            << " per connection" << std::endl;

  // Waited for before printing: a half-written line would be flushed by any stderr output.
  const std::string signal = stop_signals.Wait();
  std::cout << "kiln: received " << signal << ", shutting down" << std::endl;
  (*server)->Shutdown(std::chrono::seconds(5));
  std::cout << "kiln: stopped" << std::endl;
  return 0;
}

}  // namespace kiln
