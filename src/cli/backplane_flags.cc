#include "cli/backplane_flags.h"

#include "cli/client_connection_flags.h"

namespace kiln {
namespace {

constexpr const char* kCompanions[] = {"backplane-password-file", "backplane-namespace", "backplane-lease",
                                       "backplane-tls-ca",        "backplane-tls-cert",  "backplane-tls-key",
                                       "advertise",               "peer-tls-ca",         "peer-tls-cert",
                                       "peer-tls-key",            "peer-token-file"};

// The peers' targets come from the backplane; the files are checked as for a TLS target.
Status CheckPeerConnection(const ClientConnectionOptions& peers) {
  if (peers.tls_cert_file.empty() != peers.tls_key_file.empty()) {
    return Status::InvalidArgument("--peer-tls-cert and --peer-tls-key go together");
  }
  ClientConnectionOptions checked = peers;
  checked.target = "grpcs://peer:1";
  return CheckClientConnectionOptions(checked).WithContext("the --peer- flags");
}

}  // namespace

void AddBackplaneFlags(FlagSet& flags, ServerOptions& options) {
  BackplaneOptions& backplane = options.backplane;
  flags.AddString("backplane", &backplane.url,
                  "Share the scheduler (queue, operations, workers) with the other frontends on this Redis: "
                  "redis://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...], rediss:// for TLS; standalone Redis or "
                  "any nodes of a Redis Cluster. Without it the scheduler is this process's own. Without --cas, the "
                  "frontend keeps its CAS on the storage nodes that joined the backplane (and its action cache in "
                  "Redis); a --role storage node given --backplane joins them.");
  flags.AddString("backplane-password-file", &backplane.password_file,
                  "File holding the backplane's Redis password (instead of putting it in the URL).");
  flags.AddString("backplane-namespace", &backplane.scheduler.key_namespace,
                  "Prefix of the backplane's keys (kiln:{NAMESPACE}:...): farms sharing one Redis use different ones.");
  flags.AddDuration("backplane-lease", &backplane.scheduler.lease,
                    "How long an action assigned through a frontend survives that frontend: at most this long after "
                    "it dies, the action is queued again.");
  flags.AddString("backplane-tls-ca", &backplane.client.tls_ca_file,
                  "rediss:// only: CA certificates (PEM) to verify the Redis servers with; default: the system's.");
  flags.AddString("backplane-tls-cert", &backplane.client.tls_cert_file,
                  "rediss:// only: client certificate (PEM) for Redis servers that require one.");
  flags.AddString("backplane-tls-key", &backplane.client.tls_key_file,
                  "rediss:// only: the client certificate's private key (PEM).");
  flags.AddString("advertise", &backplane.advertise,
                  "Where the farm's other frontends reach this one, grpc://HOST:PORT or grpcs://HOST:PORT: they relay "
                  "reads of the live output of actions running through this one. Default: the --listen host (the "
                  "host's name if that is 0.0.0.0 or [::]) and port, grpcs:// with --tls-cert.");
  flags.AddPositiveNumber("storage-weight", &options.backplane.storage_weight,
                  "A storage node's share of the farm's blobs, relative to the other nodes' (a positive number; "
                  "e.g. its disk size in TB). The same node must keep the same weight: it places blobs.");
  flags.AddBytes("repair-bytes-per-second", &options.backplane.repair_bytes_per_second,
                 "A frontend following the storage ring (--backplane, no --cas): the rate at which the repair pass "
                 "copies blobs between storage nodes to restore --replication copies of each (after a node is "
                 "removed, a disk wiped, a node added). One frontend of the farm runs it at a time. 0: this "
                 "frontend never runs it.");
  flags.AddDuration("repair-interval", &options.backplane.repair_interval,
                    "How often the repair pass runs over an unchanged storage ring (a ring change starts one at "
                    "once), so that a wiped disk heals; 0: only when the ring changes.");
  // The frontend is the client here: these say how it proves itself to, and checks, the
  // others (grant its principal logs-read on them).
  AddClientConnectionFlags(flags, options.peers, "peer-");
}

Status ResolveBackplaneFlags(const FlagSet& flags, const ServerOptions& options) {
  const BackplaneOptions& backplane = options.backplane;
  if (backplane.url.empty()) {
    if (flags.WasGiven("storage-weight")) return Status::InvalidArgument("--storage-weight needs --backplane");
    for (const char* name : {"repair-bytes-per-second", "repair-interval"}) {
      if (flags.WasGiven(name)) return Status::InvalidArgument("--" + std::string(name) + " needs --backplane");
    }
    for (const char* name : kCompanions) {
      if (flags.WasGiven(name)) return Status::InvalidArgument("--" + std::string(name) + " needs --backplane");
    }
    return Status::Ok();
  }
  if (options.role == ServerRole::kStorage) {
    // It joins the storage ring; the scheduler's and the frontends' flags are not its own.
    for (const char* name : {"backplane-lease", "peer-tls-ca", "peer-tls-cert", "peer-tls-key", "peer-token-file",
                             "repair-bytes-per-second", "repair-interval"}) {
      if (flags.WasGiven(name)) {
        return Status::InvalidArgument("--role storage takes no --" + std::string(name) +
                                       ": with --backplane a storage node only joins the farm's storage ring");
      }
    }
  } else if (flags.WasGiven("storage-weight")) {
    return Status::InvalidArgument("--storage-weight is a storage node's (--role storage)");
  }
  const bool tls = backplane.url.starts_with("rediss://");
  for (const char* name : {"backplane-tls-ca", "backplane-tls-cert", "backplane-tls-key"}) {
    if (!tls && flags.WasGiven(name)) {
      return Status::InvalidArgument("--" + std::string(name) + " needs a rediss:// --backplane");
    }
  }
  if (backplane.client.tls_cert_file.empty() != backplane.client.tls_key_file.empty()) {
    return Status::InvalidArgument("--backplane-tls-cert and --backplane-tls-key go together");
  }
  if (backplane.scheduler.lease < kMinimumLease) {
    return Status::InvalidArgument("--backplane-lease must be at least " +
                                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kMinimumLease).count()) +
                                   "s");
  }
  if (!backplane.advertise.empty()) {
    auto target = ParseClientTarget(backplane.advertise);
    if (!target.ok()) return target.status().WithContext("--advertise");
    if (!backplane.advertise.starts_with("grpc://") && !backplane.advertise.starts_with("grpcs://")) {
      return Status::InvalidArgument("--advertise must be grpc://HOST:PORT or grpcs://HOST:PORT, not \"" +
                                     backplane.advertise + "\"");
    }
  }
  KILN_RETURN_IF_ERROR(CheckPeerConnection(options.peers));
  if (backplane.scheduler.key_namespace.empty() ||
      backplane.scheduler.key_namespace.find_first_of("{}") != std::string::npos) {
    return Status::InvalidArgument("--backplane-namespace must be non-empty, without { or }");
  }
  return Status::Ok();
}

}  // namespace kiln
