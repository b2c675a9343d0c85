// One unary RPC through gRPC's callback API, reported to an OpDone: the call's context
// and response live on the heap until the completion callback has checked the response.
#pragma once

#include <memory>
#include <utility>

#include "bench/scenario.h"

namespace kiln {

// `invoke(context, request, response, callback)` issues the call (e.g. through
// stub.async()->Method). `check(response)` turns a successful response into an OpResult.
// `request` must stay alive until `done` is called; shared requests are never modified.
template <typename Response, typename Request, typename Invoke, typename Check>
void StartUnaryCall(Invoke invoke, std::shared_ptr<const Request> request, Check check, OpDone done) {
  struct Call {
    grpc::ClientContext context;
    std::shared_ptr<const Request> request;
    Response response;
  };
  auto* call = new Call;
  call->request = std::move(request);
  SetBenchDeadline(call->context);
  invoke(&call->context, call->request.get(), &call->response,
         [call, check = std::move(check), done = std::move(done)](grpc::Status status) {
           OpResult result = status.ok() ? check(call->response) : OpResult::FromStatus(status);
           delete call;
           done(std::move(result));
         });
}

}  // namespace kiln
