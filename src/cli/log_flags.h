// `kiln serve`'s log flags: --log-format text|json (the server's own lines on stderr),
// --access-log PATH|- (a line per finished call) and --slow-call DURATION.
#pragma once

#include <string>

#include "cli/flags.h"
#include "server/kiln_server.h"

namespace kiln {

struct LogFlags {
  std::string format = "text";
  std::string access_log;
  Duration slow_call = Duration::zero();
};

void AddLogFlags(FlagSet& flags, LogFlags& log_flags);
// Sets the process's log format and the server's call logs. INVALID_ARGUMENT for an
// unknown format.
Status ResolveLogFlags(const LogFlags& log_flags, ServerOptions& options);

}  // namespace kiln
