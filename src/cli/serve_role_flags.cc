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
                  "(The action cache is in Redis instead with --action-cache redis.)");
  AddClientConnectionFlags(flags, role_flags.cas, "cas-");
}

Status ResolveServeRoleFlags(const FlagSet& flags, const ServeRoleFlags& role_flags, ServerOptions& options) {
  if (role_flags.role == "storage") {
    KILN_RETURN_IF_ERROR(ResolveStorageRole(flags, role_flags, options));
  } else if (role_flags.role != "all") {
    return Status::InvalidArgument("--role must be all or storage, not \"" + role_flags.role + "\"");
  }
  if (role_flags.cas.target.empty()) {
    for (const char* name : {"cas-tls-ca", "cas-tls-cert", "cas-tls-key", "cas-token-file"}) {
      if (flags.WasGiven(name)) return Status::InvalidArgument("--" + std::string(name) + " needs --cas");
    }
    return Status::Ok();
  }
  if (flags.WasGiven("max-ac-bytes")) {
    return Status::InvalidArgument("--max-ac-bytes does not apply with --cas: the action cache is the storage node's");
  }
  // The shared check names the client flags (--tls-ca, ...): these are named first.
  const ClientConnectionOptions& cas = role_flags.cas;
  auto target = ParseClientTarget(cas.target);
  if (!target.ok()) return target.status().WithContext("--cas");
  if (!target->tls && !(cas.tls_ca_file.empty() && cas.tls_cert_file.empty() && cas.tls_key_file.empty())) {
    return Status::InvalidArgument("--cas-tls-ca, --cas-tls-cert and --cas-tls-key are for a grpcs:// --cas");
  }
  if (cas.tls_cert_file.empty() != cas.tls_key_file.empty()) {
    return Status::InvalidArgument("a client certificate for --cas needs both --cas-tls-cert and --cas-tls-key");
  }
  KILN_RETURN_IF_ERROR(CheckClientConnectionOptions(cas).WithContext("--cas"));
  options.storage = role_flags.cas;
  return Status::Ok();
}

}  // namespace kiln
