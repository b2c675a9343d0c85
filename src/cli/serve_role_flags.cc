#include "cli/serve_role_flags.h"

#include <vector>

#include "cli/client_connection_flags.h"
#include "worker/action_limits.h"

namespace kiln {
namespace {

// Flags that only the scheduler, the local workers or the worker service read: meaningless
// on a storage node. (--workers and --allow-remote-workers are refused there only when
// turned on.)
std::vector<std::string> SchedulerOnlyFlags() {
  std::vector<std::string> names = {"sandbox",          "work-dir",           "platform",        "worker-report-grace",
                                    "max-action-attempts", "max-queued-actions", "max-input-files", "max-input-bytes",
                                    "max-input-depth",  "action-nice",        "max-live-log-bytes",
                                    "max-log-streams-per-connection"};
  size_t count = 0;
  const ActionLimitName* limits = ActionLimitNames(&count);
  for (size_t i = 0; i < count; ++i) {
    names.push_back(limits[i].flag);
    names.push_back(std::string(limits[i].flag) + "-limit");
  }
  return names;
}

Status ResolveStorageRole(const FlagSet& flags, const ServeRoleFlags& role_flags, ServerOptions& options) {
  const std::string why = " (a storage node runs no actions: it serves CAS, ByteStream, ActionCache and Remote Asset)";
  if (flags.WasGiven("workers") && options.workers > 0) {
    return Status::InvalidArgument("--role storage takes no --workers" + why);
  }
  if (flags.WasGiven("allow-remote-workers") && options.allow_remote_workers) {
    return Status::InvalidArgument("--role storage takes no --allow-remote-workers" + why);
  }
  for (const std::string& name : SchedulerOnlyFlags()) {
    if (flags.WasGiven(name)) return Status::InvalidArgument("--role storage takes no --" + name + why);
  }
  if (!role_flags.cas.target.empty()) {
    return Status::InvalidArgument("--role storage takes no --cas: a storage node keeps its CAS itself");
  }
  options.role = ServerRole::kStorage;
  options.workers = 0;
  options.allow_remote_workers = false;
  return Status::Ok();
}

// The flags of a replicated CAS: the presence record's ttl and the handoff pass's interval.
// The nodes pin what they reported present for their grace period (taken to be this
// server's), from which the record's ttl is subtracted (cas/presence_record.h).
Status SetRingTimes(const ServeRoleFlags& role_flags, ServerOptions& options) {
  if (role_flags.presence_ttl < Duration::zero() || role_flags.presence_ttl >= options.find_missing_grace) {
    return Status::InvalidArgument("--ring-presence-ttl must be at least 0 and shorter than --find-missing-grace");
  }
  if (role_flags.handoff_interval <= Duration::zero()) {
    return Status::InvalidArgument("--ring-handoff-interval must be more than 0");
  }
  options.storage_presence_ttl = role_flags.presence_ttl;
  options.storage_handoff_interval = role_flags.handoff_interval;
  return Status::Ok();
}

}  // namespace

void AddServeRoleFlags(FlagSet& flags, ServeRoleFlags& role_flags) {
  flags.AddString("role", &role_flags.role,
                  "all: a frontend (REAPI with execution, scheduler, workers). storage: a storage node for "
                  "frontends' --cas, serving only CAS, ByteStream, ActionCache, Capabilities and Remote Asset over "
                  "its disk (no Execution; no workers).");
  flags.AddString("cas", &role_flags.cas.target,
                  "Keep the CAS and action cache on this storage node (a `kiln serve --role storage`) instead of "
                  "in --data-dir: grpcs://HOST:PORT for TLS, grpc://HOST:PORT for plaintext. Writes go to the "
                  "node before they are acknowledged; reads are cached in --data-dir, within --max-cas-bytes. "
                  "(The action cache is in Redis instead with --action-cache redis.) A comma-separated list of "
                  "nodes spreads the CAS over them by rendezvous hashing, --replication copies of each blob; the "
                  "action cache must then be in Redis.");
  flags.AddInt("replication", &role_flags.replication,
               "With several --cas storage nodes: how many of them hold each blob. A write is acknowledged only "
               "once that many have it.",
               FlagRange{1, 100});
  flags.AddDuration("ring-presence-ttl", &role_flags.presence_ttl,
                    "With several --cas storage nodes (or the backplane's ring): how long FindMissingBlobs trusts "
                    "a node's answer that it has a blob, without asking again (unless a call to that node fails "
                    "meanwhile). Clients are then promised --find-missing-grace minus this. 0: always ask, and ask "
                    "every owner of a blob its first owner lacks, however reliable that node has proven (README: "
                    "Several storage nodes).");
  flags.AddDuration("ring-handoff-interval", &role_flags.handoff_interval,
                    "With several --cas storage nodes (or the backplane's ring): how often this frontend copies "
                    "blobs that were written past a node that was down (by it, or by its workers, which send it "
                    "their hints) to that node, once it answers again.");
  AddClientConnectionFlags(flags, role_flags.cas, "cas-");
}


Status ResolveServeRoleFlags(const FlagSet& flags, const ServeRoleFlags& role_flags, ServerOptions& options) {
  if (role_flags.role == "storage") {
    KILN_RETURN_IF_ERROR(ResolveStorageRole(flags, role_flags, options));
  } else if (role_flags.role != "all") {
    return Status::InvalidArgument("--role must be all or storage, not \"" + role_flags.role + "\"");
  }
  if (role_flags.cas.target.empty()) {
    // A frontend with a backplane keeps its CAS on the storage nodes that joined it, and a
    // storage node that joined asks the others before it evicts: these flags are how either
    // reaches them.
    if (!options.backplane.url.empty()) {
      const ClientConnectionOptions& cas = role_flags.cas;
      if (cas.tls_cert_file.empty() != cas.tls_key_file.empty()) {
        return Status::InvalidArgument("a client certificate for the storage nodes needs both --cas-tls-cert and "
                                       "--cas-tls-key");
      }
      if (options.role == ServerRole::kStorage && flags.WasGiven("replication")) {
        return Status::InvalidArgument("--replication is for frontends: they place the copies");
      }
      options.storage = cas;
      options.storage_replication = role_flags.replication;
      return SetRingTimes(role_flags, options);
    }
    for (const char* name :
         {"cas-tls-ca", "cas-tls-cert", "cas-tls-key", "cas-token-file", "replication", "ring-presence-ttl",
          "ring-handoff-interval"}) {
      if (flags.WasGiven(name)) {
        return Status::InvalidArgument("--" + std::string(name) + " needs --cas or --backplane");
      }
    }
    return Status::Ok();
  }
  if (flags.WasGiven("max-ac-bytes")) {
    return Status::InvalidArgument("--max-ac-bytes does not apply with --cas: the action cache is the storage node's");
  }
  // The shared check names the client flags (--tls-ca, ...): these are named first.
  const ClientConnectionOptions& cas = role_flags.cas;
  auto targets = SplitClientTargetList(cas.target);
  if (!targets.ok()) return targets.status().WithContext("--cas");
  for (const char* name : {"replication", "ring-presence-ttl", "ring-handoff-interval"}) {
    if (targets->size() == 1 && flags.WasGiven(name)) {
      return Status::InvalidArgument("--" + std::string(name) + " needs several --cas storage nodes");
    }
  }
  if (targets->size() > 1 && role_flags.replication > static_cast<int>(targets->size())) {
    return Status::InvalidArgument("--replication " + std::to_string(role_flags.replication) +
                                   " needs at least as many --cas storage nodes, not " +
                                   std::to_string(targets->size()));
  }
  if (cas.tls_cert_file.empty() != cas.tls_key_file.empty()) {
    return Status::InvalidArgument("a client certificate for --cas needs both --cas-tls-cert and --cas-tls-key");
  }
  // Every node is reached with the same TLS files and token.
  for (const std::string& one : *targets) {
    auto target = ParseClientTarget(one);
    if (!target.ok()) return target.status().WithContext("--cas");
    if (!target->tls && !(cas.tls_ca_file.empty() && cas.tls_cert_file.empty() && cas.tls_key_file.empty())) {
      return Status::InvalidArgument("--cas-tls-ca, --cas-tls-cert and --cas-tls-key are for a grpcs:// --cas");
    }
    ClientConnectionOptions node = cas;
    node.target = one;
    KILN_RETURN_IF_ERROR(CheckClientConnectionOptions(node).WithContext("--cas"));
  }
  options.storage = role_flags.cas;
  options.storage_replication = role_flags.replication;
  return SetRingTimes(role_flags, options);
}

}  // namespace kiln
