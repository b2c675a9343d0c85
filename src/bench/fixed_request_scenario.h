// A scenario whose every operation is the same unary call with the same request, built
// once before the clock (the lookups: FindMissingBlobs, GetActionResult, GetCapabilities,
// BatchReadBlobs). A subclass says how to build the request, which method it calls and,
// where an OK status is not enough, what a successful response must hold.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "bench/bench_target.h"
#include "bench/scenario.h"
#include "bench/unary_call.h"

namespace kiln {

template <typename Request, typename Response>
class FixedRequestScenario : public Scenario {
 public:
  explicit FixedRequestScenario(BenchTarget* target) : target_(target) {}

  Status Prepare(Duration) final {
    auto request = std::make_shared<Request>();
    request->set_instance_name(target_->instance_name());
    KILN_RETURN_IF_ERROR(BuildRequest(*request));
    request_ = std::move(request);
    return Status::Ok();
  }

  bool Start(int slot, OpDone done) final {
    // The load runner waits for every operation's `done` before the scenario goes away, so
    // the checker may refer to it.
    StartUnaryCall<Response>(
        [this, slot](grpc::ClientContext* context, const Request* request, Response* response, auto callback) {
          Call(slot, context, request, response, std::move(callback));
        },
        request_, [this](const Response& response) { return Check(response); }, std::move(done));
    return true;
  }

 protected:
  using Callback = std::function<void(grpc::Status)>;

  // Fills in the rest of the request (the instance name is set); runs before the clock and
  // may first upload what the request refers to.
  virtual Status BuildRequest(Request& request) = 0;
  // Issues the call on connection `slot` (through the stub's async() interface).
  virtual void Call(int slot, grpc::ClientContext* context, const Request* request, Response* response,
                    Callback callback) = 0;
  // Judges a response that came with an OK status: a success unless overridden.
  virtual OpResult Check(const Response&) const { return OpResult::Success(); }

  BenchTarget& target() { return *target_; }

 private:
  BenchTarget* target_;
  std::shared_ptr<const Request> request_;
};

}  // namespace kiln
