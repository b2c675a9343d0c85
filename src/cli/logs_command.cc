// Waits (WaitExecution) until the operation is executing and its metadata names its log
// streams, then copies both streams to this process's stdout and stderr as they grow, until
// the action ends. An operation that is already done has no live output left to follow: its
// recorded stdout/stderr are printed from the CAS instead.
#include "cli/logs_command.h"

#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/client_connection_flags.h"
#include "cli/flags.h"
#include "client/action_output_client.h"
#include "common/proto_digest.h"

namespace kiln {
namespace {

struct LogsFlags {
  std::string operation;
  ClientConnectionOptions connection{.target = "127.0.0.1:8980"};
  std::string instance;
};

std::optional<int> ParseFlags(const std::vector<std::string>& args, LogsFlags& out) {
  FlagSet flags("kiln logs OPERATION_NAME [flags]",
                "Prints a remotely executing action's stdout and stderr live, as the action produces them, until\n"
                "it ends. OPERATION_NAME is the name Execute returned (operations/...). For an operation that has\n"
                "already finished, prints the stdout and stderr recorded in its result.");
  flags.AddString("target", &out.connection.target, std::string("The kiln frontend: ") + kClientTargetHelp);
  AddClientConnectionFlags(flags, out.connection);
  flags.AddString("instance", &out.instance,
                  "Instance name the action ran under (used to read a finished action's output from the CAS).");
  // The operation name comes first; everything after it is flags.
  std::vector<std::string> rest = args;
  if (!rest.empty() && rest.front().rfind("-", 0) != 0) {
    out.operation = rest.front();
    rest.erase(rest.begin());
  }
  Status parsed = flags.Parse(rest);
  if (parsed.ok() && out.operation.empty()) parsed = Status::InvalidArgument("OPERATION_NAME is required");
  if (parsed.ok()) parsed = CheckClientConnectionOptions(out.connection);
  return flags.ExitCode(parsed, "kiln logs");
}

// Copies both live streams at once (each on its own thread, as they grow independently).
int FollowStreams(const reapi::ExecuteOperationMetadata& metadata, ActionOutputClient& client) {
  Status out_status, err_status;
  std::thread out([&] {
    if (!metadata.stdout_stream_name().empty()) {
      out_status = client.CopyLogStream(metadata.stdout_stream_name(), stdout);
    }
  });
  if (!metadata.stderr_stream_name().empty()) {
    err_status = client.CopyLogStream(metadata.stderr_stream_name(), stderr);
  }
  out.join();
  for (const Status& status : {out_status, err_status}) {
    if (!status.ok()) {
      std::cerr << "kiln logs: " << status.ToString() << "\n";
      return 1;
    }
  }
  return 0;
}

// Prints one recorded output (inlined, or read from the CAS).
Status PrintRecorded(BlobStore& cas, DigestFunction function, const std::string& raw, const reapi::Digest& digest,
                     std::FILE* out) {
  std::string text = raw;
  if (text.empty() && digest.size_bytes() > 0) {
    auto parsed = FromProto(function, digest, "output digest");
    if (!parsed.ok()) return parsed.status();
    auto blob = ReadBlob(cas, *parsed);
    if (!blob.ok()) return blob.status();
    text = std::move(blob).value();
  }
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
  return Status::Ok();
}

int PrintFinished(const std::string& operation, const reapi::ExecuteOperationMetadata& metadata,
                  const reapi::ExecuteResponse& response, BlobStore& cas) {
  std::cerr << "kiln logs: operation " << operation << " has already finished; printing its recorded output\n";
  if (response.status().code() != 0) std::cerr << "kiln logs: it failed: " << response.status().message() << "\n";
  if (!response.has_result()) return 0;
  const reapi::ActionResult& result = response.result();
  auto function = ResolveDigestFunction(metadata.digest_function(), result.stdout_digest().hash());
  if (!function.ok()) function = DigestFunction::kSha256;
  Status printed = PrintRecorded(cas, *function, result.stdout_raw(), result.stdout_digest(), stdout);
  if (printed.ok()) printed = PrintRecorded(cas, *function, result.stderr_raw(), result.stderr_digest(), stderr);
  if (!printed.ok()) {
    std::cerr << "kiln logs: " << printed.ToString() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int RunLogsCommand(const std::vector<std::string>& args) {
  LogsFlags flags;
  if (std::optional<int> exit_code = ParseFlags(args, flags)) return *exit_code;
  auto channels = ClientChannelFactory::Create(flags.connection);
  if (!channels.ok()) {
    std::cerr << "kiln logs: " << channels.status().message() << "\n";
    return 1;
  }
  ActionOutputClient client(**channels, flags.instance);
  auto progress = client.WaitForStreamsOrEnd(flags.operation);
  if (!progress.ok()) {
    if (progress.status().code() == StatusCode::kNotFound) {
      std::cerr << "kiln logs: operation " << flags.operation << " is not known to " << flags.connection.target
                << " (finished operations are forgotten after a while)\n";
    } else {
      std::cerr << "kiln logs: " << progress.status().ToString() << "\n";
    }
    return 1;
  }
  if (progress->response) {
    return PrintFinished(flags.operation, progress->metadata, *progress->response, client.cas());
  }
  return FollowStreams(progress->metadata, client);
}

}  // namespace kiln
