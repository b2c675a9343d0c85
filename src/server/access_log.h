// The access log (`kiln serve --access-log PATH|-`): one line per finished RPC with its
// time, method, instance, status code, bytes in and out, duration, peer and principal; and
// the slow-call log (`--slow-call DURATION`): calls that took longer, on the server's log,
// with the phases of an Execute (queued, input staging, executing, output upload; from the
// result's metadata) and the total for others. Both are one gRPC server interceptor; lines
// are in the server's log format (common/logger.h).
//
// Cost: per call, a clock read at each end, the messages' sizes (ByteSizeLong, a walk of
// the message), the principal recorded and taken, and one line formatted and buffered:
// measured with `kiln bench` (README, Logs) at 3-6 us of server CPU per call, +12-24% on
// the smallest calls (GetCapabilities, GetActionResult hits); off by default.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <optional>

#include "common/clock.h"
#include "common/logger.h"
#include "server/call_principals.h"

namespace kiln {

struct CallLogOptions {
  LogSink* access_log = nullptr;  // Null: no access log.
  std::optional<Duration> slow_call;  // Unset: no slow-call log.
  LogFormat format = LogFormat::kText;
  CallPrincipals* principals = nullptr;  // Where CallAuthorizer records who called.
};

// An interceptor factory for the ServerBuilder; null if neither log is on. `options`'
// pointers must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewCallLogInterceptorFactory(
    const CallLogOptions& options);

class CallAuthorizer;

// The logs a server writes per call, as `kiln serve` asks for them: owns the access log's
// file and the principals CallAuthorizer records for it.
class CallLogs {
 public:
  // `access_log_path` "" (none), "-" (stdout) or a file; `authorizer` records principals
  // from now on. REQUIRES: `authorizer` outlives this.
  static StatusOr<std::unique_ptr<CallLogs>> Open(const std::string& access_log_path,
                                                  std::optional<Duration> slow_call, CallAuthorizer* authorizer);
  // For the ServerBuilder; null when neither log is on.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewInterceptorFactory();

 private:
  std::unique_ptr<LogSink> sink_;
  CallPrincipals principals_;
  CallLogOptions options_;
};

// The instance a request names: its instance_name field, or the prefix of a ByteStream
// resource name; "" if none.
std::string InstanceOfRequest(const google::protobuf::Message& request);

}  // namespace kiln
