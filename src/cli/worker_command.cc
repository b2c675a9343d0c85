#include "cli/worker_command.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

#include "cas/read_through_cache.h"
#include "cas/selectable_blob_store.h"
#include "cli/default_slots.h"
#include "cli/action_limit_flags.h"
#include "cli/client_connection_flags.h"
#include "cli/flags.h"
#include "cli/stop_signals.h"
#include "client/farm_channel.h"
#include "client/remote_blob_store.h"
#include "client/remote_worker.h"
#include "client/storage_node_stores.h"
#include "common/logger.h"
#include "common/server_allocator.h"
#include "scheduler/platform.h"
#include "worker/action_executor.h"
#include "worker/forwarding_hint_list.h"
#include "worker/runner.h"
#include "worker/runner_choice.h"
#include "worker/storage_route.h"

namespace kiln {
namespace {

struct WorkerFlags {
  ClientConnectionOptions scheduler;  // --scheduler is its target: one or more, comma-separated.
  std::vector<std::string> frontends;  // --scheduler's targets.
  std::string work_dir;
  int slots = DefaultSlotsPerMachine();
  std::vector<std::pair<std::string, std::string>> platform;
  int64_t cache_bytes = int64_t{10} << 30;
  std::string sandbox = "auto";
  std::string worker_id;
  ActionLimitPolicy action_limits = DefaultActionLimitPolicy();
  int64_t max_message_bytes = kDefaultMaxMessageBytes;
  std::string log_format = "text";
  std::string storage = "direct";
  WorkerStorageMode storage_mode = WorkerStorageMode::kDirect;
};

std::string DefaultWorkerId() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "worker");
  return std::string(host) + "-" + std::to_string(::getpid());
}

// Returns the exit code if the command is over (after --help or a usage error).
std::optional<int> ParseFlags(const std::vector<std::string>& args, WorkerFlags& out) {
  FlagSet flags("kiln worker --scheduler [grpcs://]HOST:PORT[,...] --work-dir DIR [flags]",
                "Runs actions for kiln frontends (`kiln serve`): connects to one frontend's scheduler, takes one\n"
                "action per free slot, fetches inputs from that frontend's CAS through a local disk cache, and\n"
                "uploads outputs there (to the storage nodes themselves when the frontend's CAS is a ring of\n"
                "them; see --storage). When the frontend goes away, moves on to the next one of --scheduler\n"
                "(or reconnects to the only one). Stops cleanly on SIGINT or SIGTERM.");
  flags.AddConfigFile();
  flags.AddString("scheduler", &out.scheduler.target,
                  std::string("The frontends to work for (required), comma-separated, each ") + kClientTargetHelp +
                      " The worker starts at a random one and, when its frontend goes away, moves on to the next "
                      "one (cycling, with a backoff growing to 10s while none answers). The TLS and token flags "
                      "apply to all.");
  AddClientConnectionFlags(flags, out.scheduler);
  flags.AddString("work-dir", &out.work_dir,
                  "This worker's own directory (required): DIR/actions holds action directories (emptied at "
                  "start), DIR/cache the input cache (kept across restarts).");
  flags.AddInt("slots", &out.slots, "Actions run at once; the default is two per core of this host.", FlagRange::AtLeast(1));
  std::vector<std::string> platform_flags;
  flags.AddStringList("platform", &platform_flags,
                      "KEY=VALUE platform property this worker offers besides OSFamily and ISA; repeatable.");
  flags.AddBytes("cache-bytes", &out.cache_bytes,
                 "Size budget of the local input cache (e.g. 500M, 20G); least recently used blobs are evicted.",
                 FlagRange::AtLeast(1));
  flags.AddString("sandbox", &out.sandbox, std::string("How actions are isolated: ") + kSandboxModesHelp);
  AddActionLimitFlags(flags, out.action_limits);
  flags.AddString("worker-id", &out.worker_id,
                  "Name of this worker, unique among the frontend's workers; shown in results' metadata "
                  "(empty: HOSTNAME-PID).");
  flags.AddBytes("max-message-bytes", &out.max_message_bytes,
                 "Largest input Directory message this worker reads from the CAS; keep it equal to the "
                 "frontend's --max-message-bytes.",
                 FlagRange::Between(1024, int64_t{1} << 30));
  flags.AddString("storage", &out.storage,
                  "Where inputs are read and outputs written when the frontend keeps its CAS on storage nodes "
                  "(--cas, or the backplane's ring) and tells the worker so: direct (the nodes themselves, with "
                  "this worker's TLS and token flags; the nodes must grant it cas-read and cas-write; through the "
                  "frontend when no node can serve a blob), or frontend (always through the frontend, for "
                  "workers that cannot reach the nodes).");
  flags.AddString("log-format", &out.log_format, "This worker's log lines on stderr: text, or json (one object per line).");
  Status parsed = flags.Parse(args);
  if (parsed.ok()) {
    auto format = ParseLogFormat(out.log_format);
    parsed = format.status().WithContext("--log-format");
    if (format.ok()) SetLogFormat(*format);
  }
  if (parsed.ok()) {
    auto mode = ParseWorkerStorageMode(out.storage);
    parsed = mode.status().WithContext("--storage");
    if (mode.ok()) out.storage_mode = *mode;
  }
  if (parsed.ok()) parsed = ParsePlatformProperties(platform_flags, out.platform).WithContext("--platform");
  if (parsed.ok() && out.scheduler.target.empty()) parsed = Status::InvalidArgument("--scheduler is required");
  if (parsed.ok()) {
    auto frontends = SplitClientTargetList(out.scheduler.target);
    parsed = frontends.status().WithContext("--scheduler");
    if (frontends.ok()) out.frontends = std::move(frontends).value();
  }
  for (size_t i = 0; parsed.ok() && i < out.frontends.size(); ++i) {
    ClientConnectionOptions one = out.scheduler;
    one.target = out.frontends[i];
    parsed = CheckClientConnectionOptions(one);
  }
  if (parsed.ok() && out.work_dir.empty()) parsed = Status::InvalidArgument("--work-dir is required");
  if (parsed.ok()) parsed = CheckSandboxMode(out.sandbox);
  if (parsed.ok()) parsed = CheckActionLimitPolicy(out.action_limits);
  if (std::optional<int> exit_code = flags.ExitCode(parsed, "kiln worker")) return exit_code;
  if (out.worker_id.empty()) out.worker_id = DefaultWorkerId();
  return std::nullopt;
}

int Fail(const Status& status, std::string_view context) {
  LogError("kiln worker: " + std::string(context) + ": " + status.ToString());
  return 1;
}

}  // namespace

int RunWorkerCommand(const std::vector<std::string>& args) {
  WorkerFlags flags;
  if (std::optional<int> exit_code = ParseFlags(args, flags)) return *exit_code;

  ConfigureAllocatorForServing();  // Before any thread starts.
  StopSignals stop_signals;  // Before any gRPC thread or slot starts, so that all inherit the mask.

  auto runner = ChooseRunner(flags.sandbox, "kiln worker");
  if (!runner.ok()) return Fail(runner.status(), "choosing the sandbox");
  const std::string work_root = flags.work_dir + "/actions";
  // A previous run killed mid-action leaves its action directories behind.
  if (Status cleaned = CleanWorkRoot(work_root); !cleaned.ok()) return Fail(cleaned, "cleaning " + work_root);
  DiskBlobStoreOptions cache_options;
  cache_options.root = flags.work_dir + "/cache";
  cache_options.max_bytes = flags.cache_bytes;
  auto local = DiskBlobStore::Open(cache_options);
  if (!local.ok()) return Fail(local.status(), "opening the input cache in " + cache_options.root);

  // A channel and a CAS per frontend; the input cache reads from and writes to the CAS of
  // the frontend the worker is connected to.
  std::vector<RemoteWorkerFrontend> frontends;
  std::vector<std::unique_ptr<BlobStore>> frontend_stores;
  for (const std::string& target : flags.frontends) {
    ClientConnectionOptions connection = flags.scheduler;
    connection.target = target;
    auto channels = ClientChannelFactory::Create(connection);
    if (!channels.ok()) return Fail(channels.status(), "connecting to " + target);
    // A frontend that comes back is connected to within the worker's own longest backoff.
    auto channel = NewFarmChannel(**channels, std::chrono::seconds(10));
    frontend_stores.push_back(NewRemoteBlobStore(channel, RemoteBlobStoreOptions()));
    frontends.push_back({target, std::move(channel)});
  }
  SelectableBlobStore frontend_cas(std::move(frontend_stores));
  // The storage nodes of the frontend's ring, when it announces one, ahead of its CAS. The
  // hints of writes that skipped a down node go to the worker's own handoff pass and to the
  // frontend, whose list outlives the worker.
  StorageRouteOptions route_options;
  route_options.mode = flags.storage_mode;
  ForwardingHintList hints(std::make_unique<MemoryHintList>(route_options.replicated.repair.max_hints),
                           /*max_queued=*/10000);
  route_options.replicated.repair.hints = &hints;
  route_options.fallback.on_fallback = [](const Status& status) {
    LogWarning("kiln worker: the storage nodes cannot serve (" + status.ToString() +
               "); reading and writing through the frontend for a while");
  };
  StorageRoute storage(&frontend_cas, RemoteNodeStores(flags.scheduler), SystemClock::Get(), route_options);
  ReadThroughCache cas(std::move(local).value(), storage.cas());

  ActionExecutorOptions executor_options;
  executor_options.work_root = work_root;
  executor_options.worker_id = flags.worker_id;
  executor_options.limits = flags.action_limits;
  executor_options.cas = &cas;
  executor_options.runner = runner->runner.get();
  // The frontend checked the expanded size of every input tree before queueing it; the
  // worker only bounds what it reads whole.
  executor_options.max_message_bytes = flags.max_message_bytes;
  executor_options.local_blob_path = [&cas](const Digest& digest) {
    return cas.EnsureLocal(digest).ok() ? cas.VerifiedLocalPath(digest) : std::string();
  };
  // As for local workers: hardlinks from the input cache only where the action's user can
  // neither write nor chmod its read-only files (runner_choice.h); else copies.
  if (runner->may_hardlink_inputs) executor_options.input_hardlinks = InputHardlinks::kAlways;
  ActionExecutor executor(executor_options);

  RemoteWorkerOptions worker_options;
  worker_options.worker_id = flags.worker_id;
  worker_options.slots = flags.slots;
  worker_options.platform = flags.platform;
  worker_options.hints = &hints;
  worker_options.on_connected = [&flags, &frontend_cas, &storage, &hints](size_t frontend) {
    frontend_cas.Select(frontend);
    storage.FrontendChanged();
    hints.FrontendChanged();
    std::cout << "kiln worker: connected to " << flags.frontends[frontend] << " as " << flags.worker_id << std::endl;
  };
  worker_options.on_storage_ring = [&flags, &storage](const StorageRingConfig& ring) {
    if (flags.storage_mode == WorkerStorageMode::kFrontend) return;
    Status built = storage.RingAnnounced(ring);
    if (!built.ok()) {
      LogWarning("kiln worker: using the frontend's CAS: cannot use its storage ring: " + built.ToString());
      return;
    }
    std::string nodes;
    for (const RingNode& node : ring.nodes) nodes += (nodes.empty() ? "" : ",") + node.name;
    std::cout << "kiln worker: reading and writing blobs on the storage nodes " << nodes << " (" << ring.replicas
              << " copies)" << std::endl;
  };
  RemoteWorker worker(std::move(frontends), &executor, worker_options);
  std::thread serving([&worker] { worker.Run(); });

  const std::string signal = stop_signals.Wait();  // Before printing, as in `kiln serve`.
  std::cout << "kiln worker: received " << signal << ", stopping" << std::endl;
  worker.Stop();
  serving.join();
  std::cout << "kiln worker: stopped" << std::endl;
  return 0;
}

}  // namespace kiln
