// LogStreamService (CreateLogStream) over the LogStreamRegistry. Reading and writing log
// streams goes through ByteStream, which routes their names here before CAS parsing (see
// ByteStreamService, logstream_read_reactor.h and LogStreamWrite).
#pragma once

#include "server/call_authorizer.h"
#include "build/bazel/remote/logstream/v1/remote_logstream.grpc.pb.h"
#include "google/bytestream/bytestream.pb.h"
#include "logstream/log_stream_registry.h"

namespace kiln {

namespace logstream_api = build::bazel::remote::logstream::v1;

class LogStreamService final : public logstream_api::LogStreamService::CallbackService {
 public:
  LogStreamService(LogStreamRegistry* registry, const CallAuthorizer* authorizer)
      : registry_(registry), authorizer_(authorizer) {}

  grpc::ServerUnaryReactor* CreateLogStream(grpc::CallbackServerContext* context,
                                            const logstream_api::CreateLogStreamRequest* request,
                                            logstream_api::LogStream* response) override;

 private:
  LogStreamRegistry* registry_;
  const CallAuthorizer* authorizer_;
};

// The log stream side of one ByteStream Write call: each request appends at its
// write_offset, finish_write finalizes. Unlike a CAS upload, a call may end without
// finish_write: the LogStream API lets a writer append over several Write calls.
class LogStreamWrite {
 public:
  LogStreamWrite(LogStreamRegistry* registry, std::string write_name)
      : registry_(registry), write_name_(std::move(write_name)) {}

  // Applies one request; true once it carried finish_write.
  StatusOr<bool> Apply(const google::bytestream::WriteRequest& request);
  // What QueryWriteStatus would say now (for the WriteResponse).
  int64_t committed_size() const;

 private:
  LogStreamRegistry* registry_;
  std::string write_name_;
};

// QueryWriteStatus for a log stream's write name: committed size, complete once finalized.
Status QueryLogStreamWrite(const LogStreamRegistry& registry, const std::string& write_name,
                           google::bytestream::QueryWriteStatusResponse* response);

}  // namespace kiln
