#include "bench/execute_scenarios.h"

#include <atomic>
#include <optional>
#include <vector>

#include "bench/bench_setup.h"
#include "bench/unique_blob_series.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "google/longrunning/operations.pb.h"

namespace kiln {
namespace {

// Pregenerated uncached actions: enough for this many per second.
constexpr double kMaxActionsPerSecond = 2000;

// One Execute call, read until the operation is done; checks the ExecuteResponse.
class ExecuteCall final : public grpc::ClientReadReactor<google::longrunning::Operation> {
 public:
  ExecuteCall(reapi::Execution::Stub& stub, std::shared_ptr<const reapi::ExecuteRequest> request, bool expect_cached,
              OpDone done)
      : request_(std::move(request)), expect_cached_(expect_cached), done_(std::move(done)) {
    SetBenchDeadline(context_);
    stub.async()->Execute(&context_, request_.get(), this);
    StartRead(&operation_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // End of stream or a broken call; OnDone follows.
    if (operation_.done()) final_ = Check(operation_);
    StartRead(&operation_);
  }

  void OnDone(const grpc::Status& status) override {
    OpResult result = OpResult::FromStatus(status);
    if (result.ok && !final_) result = OpResult::Failure("the Execute stream ended before the operation was done");
    if (result.ok) result = *final_;
    OpDone done = std::move(done_);
    delete this;
    done(std::move(result));
  }

 private:
  OpResult Check(const google::longrunning::Operation& operation) const {
    if (operation.has_error()) {
      return OpResult::Failure("operation error " + std::to_string(operation.error().code()) + ": " +
                               operation.error().message());
    }
    reapi::ExecuteResponse response;
    if (!operation.response().UnpackTo(&response)) return OpResult::Failure("the final operation holds no ExecuteResponse");
    OpResult result = CheckExecuteResponse(response);
    if (result.ok && expect_cached_ && !response.cached_result()) {
      return OpResult::Failure("the action ran again instead of being served from the cache");
    }
    return result;
  }

  grpc::ClientContext context_;
  std::shared_ptr<const reapi::ExecuteRequest> request_;
  google::longrunning::Operation operation_;
  const bool expect_cached_;
  std::optional<OpResult> final_;
  OpDone done_;
};

// Uploads the trivial Command and returns an Action for it (salt still to be set).
StatusOr<reapi::Action> TrivialAction(BenchTarget& target) {
  reapi::Command command;
  command.add_arguments(kTrivialCommand);
  auto command_digest = UploadMessage(target, command);
  if (!command_digest.ok()) return command_digest.status();
  reapi::Action action;
  *action.mutable_command_digest() = ToProto(*command_digest);
  // An empty Directory serializes to zero bytes: the empty blob, present in every CAS.
  *action.mutable_input_root_digest() = ToProto(Digest::Empty(DigestFunction::kSha256));
  return action;
}

std::shared_ptr<const reapi::ExecuteRequest> ExecuteRequestFor(const BenchTarget& target, const Digest& action) {
  auto request = std::make_shared<reapi::ExecuteRequest>();
  request->set_instance_name(target.instance_name());
  request->set_digest_function(reapi::DigestFunction::SHA256);
  *request->mutable_action_digest() = ToProto(action);
  return request;
}

std::string StreamsSuffix(ExecuteStreams streams) { return streams == ExecuteStreams::kOne ? "" : "_parallel"; }
std::string StreamsText(ExecuteStreams streams) {
  return streams == ExecuteStreams::kOne ? "one stream" : "--concurrency streams";
}

class ExecuteUncachedScenario final : public Scenario {
 public:
  ExecuteUncachedScenario(BenchTarget* target, ExecuteStreams streams) : target_(target), streams_(streams) {}

  ScenarioInfo info() const override {
    return {"execute_uncached" + StreamsSuffix(streams_),
            std::string("Execute ") + kTrivialCommand + ", unique salt (never cached), " + StreamsText(streams_),
            RateUnit::kOperations, LimitKind::kNone, streams_ == ExecuteStreams::kOne ? 1 : 0};
  }

  Status Prepare(Duration duration) override {
    auto action = TrivialAction(*target_);
    if (!action.ok()) return action.status();
    const size_t count = static_cast<size_t>(std::chrono::duration<double>(duration).count() * kMaxActionsPerSecond) + 64;
    const std::string tag = std::to_string(NewRunTag());
    std::vector<std::string> blobs;
    for (size_t i = 0; i < count; ++i) {
      action->set_salt(tag + "/" + std::to_string(i));
      blobs.push_back(action->SerializeAsString());
      actions_.push_back(ComputeDigest(DigestFunction::kSha256, blobs.back()));
    }
    return UploadBlobs(*target_, blobs);
  }

  bool Start(int slot, OpDone done) override {
    const size_t index = next_action_.fetch_add(1);
    if (index >= actions_.size()) return false;
    new ExecuteCall(target_->execution(slot), ExecuteRequestFor(*target_, actions_[index]), false, std::move(done));
    return true;
  }

 private:
  BenchTarget* target_;
  const ExecuteStreams streams_;
  std::vector<Digest> actions_;
  std::atomic<size_t> next_action_{0};
};

class ExecuteCachedScenario final : public Scenario {
 public:
  ExecuteCachedScenario(BenchTarget* target, ExecuteStreams streams) : target_(target), streams_(streams) {}

  ScenarioInfo info() const override {
    return {"execute_cached" + StreamsSuffix(streams_),
            std::string("Execute ") + kTrivialCommand + ", served from the action cache, " + StreamsText(streams_),
            RateUnit::kOperations, LimitKind::kNone, streams_ == ExecuteStreams::kOne ? 1 : 0};
  }

  Status Prepare(Duration) override {
    auto action = TrivialAction(*target_);
    if (!action.ok()) return action.status();
    action->set_salt("kiln bench execute_cached " + std::to_string(NewRunTag()));
    auto action_digest = UploadMessage(*target_, *action);
    if (!action_digest.ok()) return action_digest.status();
    auto first_run = ExecuteToCompletion(*target_, *action_digest);
    if (!first_run.ok()) return first_run.status();
    request_ = ExecuteRequestFor(*target_, *action_digest);
    return Status::Ok();
  }

  bool Start(int slot, OpDone done) override {
    new ExecuteCall(target_->execution(slot), request_, true, std::move(done));
    return true;
  }

 private:
  BenchTarget* target_;
  const ExecuteStreams streams_;
  std::shared_ptr<const reapi::ExecuteRequest> request_;
};

}  // namespace

std::unique_ptr<Scenario> NewExecuteUncachedScenario(BenchTarget* target, ExecuteStreams streams) {
  return std::make_unique<ExecuteUncachedScenario>(target, streams);
}
std::unique_ptr<Scenario> NewExecuteCachedScenario(BenchTarget* target, ExecuteStreams streams) {
  return std::make_unique<ExecuteCachedScenario>(target, streams);
}

}  // namespace kiln
