// Translation from kiln's Status to the two forms gRPC clients see: the call status, and
// google.rpc.Status embedded in batch responses.
#pragma once

#include <grpcpp/grpcpp.h>

#include "common/rpc_status.h"
#include "common/status.h"

namespace kiln {

// With missing blobs, the PreconditionFailure goes into the status details.
grpc::Status ToGrpcStatus(const Status& status);

// A reactor for a server-streaming call that fails (or ends) before sending anything.
template <typename Response>
class FinishedWriteReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit FinishedWriteReactor(const Status& status) { this->Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

// The same for a bidirectional stream refused before it starts (an unauthorized worker).
template <typename Request, typename Response>
class FinishedBidiReactor final : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit FinishedBidiReactor(const Status& status) { this->Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

// Ends a unary callback call with `status`.
inline grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context, const Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace kiln
