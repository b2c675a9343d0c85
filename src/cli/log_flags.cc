#include "cli/log_flags.h"

#include "common/logger.h"

namespace kiln {

void AddLogFlags(FlagSet& flags, LogFlags& log_flags) {
  flags.AddString("log-format", &log_flags.format,
                  "The server's own log lines on stderr: text, or json (one object per line: time, level, msg, "
                  "fields).");
  flags.AddString("access-log", &log_flags.access_log,
                  "Write one line per finished RPC (time, method, instance, status code, bytes in and out, "
                  "duration, peer, principal) to this file (appended), or to stdout for \"-\"; in --log-format.");
  flags.AddDuration("slow-call", &log_flags.slow_call,
                    "Log calls that take longer than this (e.g. 10s) on stderr, with an Execute's phases "
                    "(queued, input staging, executing, output upload). 0: off.");
}

Status ResolveLogFlags(const LogFlags& log_flags, ServerOptions& options) {
  auto format = ParseLogFormat(log_flags.format);
  if (!format.ok()) return format.status().WithContext("--log-format");
  SetLogFormat(*format);
  options.access_log = log_flags.access_log;
  if (log_flags.slow_call > Duration::zero()) options.slow_call = log_flags.slow_call;
  return Status::Ok();
}

}  // namespace kiln
