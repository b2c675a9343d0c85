// `kiln serve`'s farm flags: --role (all, or storage: a node that only keeps a CAS and an
// action cache for frontends), and --cas with its --cas-tls-* and --cas-token-file flags (a
// frontend whose CAS and action cache live on such a node, or whose CAS is spread over
// several, with --replication copies of each blob). Resolving them refuses
// combinations that make no sense -- scheduler and worker flags on a storage node, --cas-*
// without --cas -- with a message naming the flag, before anything starts.
#pragma once

#include <string>

#include "cli/flags.h"
#include "server/kiln_server.h"

namespace kiln {

struct ServeRoleFlags {
  std::string role = "all";
  ClientConnectionOptions cas;  // Its target is --cas: one storage node, or a list.
  int replication = 2;          // --replication: copies of each blob over several nodes.
  // --ring-presence-ttl: how long the nodes' "present" answers are trusted.
  Duration presence_ttl = std::chrono::seconds(30);
  // --ring-handoff-interval: how often blobs written past a down owner are copied to it.
  Duration handoff_interval = std::chrono::seconds(30);
};

void AddServeRoleFlags(FlagSet& flags, ServeRoleFlags& role_flags);

// Fills options.role and options.storage. A storage node gets no workers: --workers and
// --allow-remote-workers default to off there, and turning them on is an error, as is any
// other flag only the scheduler or workers read. REQUIRES: `flags` has parsed the command.
Status ResolveServeRoleFlags(const FlagSet& flags, const ServeRoleFlags& role_flags, ServerOptions& options);

}  // namespace kiln
