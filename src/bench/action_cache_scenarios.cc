#include "bench/action_cache_scenarios.h"

#include <atomic>

#include "bench/bench_setup.h"
#include "bench/fixed_request_scenario.h"
#include "bench/unary_call.h"
#include "bench/unique_blob_series.h"
#include "common/hasher.h"
#include "common/proto_digest.h"

namespace kiln {
namespace {

constexpr int kOutputFiles = 10;
constexpr size_t kOutputBytes = 4096;

// A result naming kOutputFiles outputs and stdout, all uploaded: what a typical compile
// action leaves (an object file, a few headers or logs), small enough that the lookup and
// the CAS check dominate, not the transfer.
StatusOr<reapi::ActionResult> UploadedResult(BenchTarget& target, uint64_t run_tag) {
  UniqueBlobSeries series(kOutputBytes, run_tag);
  std::vector<std::string> blobs;
  for (int i = 0; i <= kOutputFiles; ++i) blobs.push_back(series.Blob(static_cast<size_t>(i)));
  KILN_RETURN_IF_ERROR(UploadBlobs(target, blobs));
  reapi::ActionResult result;
  result.set_exit_code(0);
  for (int i = 0; i < kOutputFiles; ++i) {
    auto* file = result.add_output_files();
    file->set_path("out/file" + std::to_string(i) + ".o");
    *file->mutable_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, blobs[static_cast<size_t>(i)]));
  }
  *result.mutable_stdout_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, blobs.back()));
  return result;
}

class GetActionResultOutputsScenario final
    : public FixedRequestScenario<reapi::GetActionResultRequest, reapi::ActionResult> {
 public:
  using FixedRequestScenario::FixedRequestScenario;

  ScenarioInfo info() const override {
    return {"get_action_result_outputs", "GetActionResult of a result naming 10 output files and stdout",
            RateUnit::kOperations, LimitKind::kNone};
  }

 private:
  Status BuildRequest(reapi::GetActionResultRequest& request) override {
    const uint64_t run_tag = NewRunTag();
    auto result = UploadedResult(target(), run_tag);
    if (!result.ok()) return result.status();
    const Digest action_digest =
        ComputeDigest(DigestFunction::kSha256, "kiln bench get_action_result_outputs " + std::to_string(run_tag));
    KILN_RETURN_IF_ERROR(UpdateActionResult(target(), action_digest, *result));
    request.set_digest_function(reapi::DigestFunction::SHA256);
    *request.mutable_action_digest() = ToProto(action_digest);
    return Status::Ok();
  }

  void Call(int slot, grpc::ClientContext* context, const reapi::GetActionResultRequest* request,
            reapi::ActionResult* response, Callback callback) override {
    target().action_cache(slot).async()->GetActionResult(context, request, response, std::move(callback));
  }

  OpResult Check(const reapi::ActionResult& response) const override {
    if (response.output_files_size() == kOutputFiles) return OpResult::Success();
    return OpResult::Failure("the result names " + std::to_string(response.output_files_size()) + " output files, not " +
                             std::to_string(kOutputFiles));
  }
};

class UpdateActionResultScenario final : public Scenario {
 public:
  explicit UpdateActionResultScenario(BenchTarget* target) : target_(target), run_tag_(NewRunTag()) {}

  ScenarioInfo info() const override {
    return {"update_action_result", "UpdateActionResult of a result naming 10 output files, a new action each call",
            RateUnit::kOperations, LimitKind::kNone};
  }

  Status Prepare(Duration) override {
    auto result = UploadedResult(*target_, run_tag_);
    if (!result.ok()) return result.status();
    result_ = std::move(result).value();
    return Status::Ok();
  }

  bool Start(int slot, OpDone done) override {
    // Hashing a few bytes per call: far below what the call itself costs.
    const uint64_t n = next_.fetch_add(1);
    auto request = std::make_shared<reapi::UpdateActionResultRequest>();
    request->set_instance_name(target_->instance_name());
    request->set_digest_function(reapi::DigestFunction::SHA256);
    *request->mutable_action_digest() =
        ToProto(ComputeDigest(DigestFunction::kSha256, std::to_string(run_tag_) + " update " + std::to_string(n)));
    *request->mutable_action_result() = result_;
    reapi::ActionCache::Stub* stub = &target_->action_cache(slot);
    StartUnaryCall<reapi::ActionResult>(
        [stub](auto* context, auto* request, auto* response, auto callback) {
          stub->async()->UpdateActionResult(context, request, response, std::move(callback));
        },
        std::shared_ptr<const reapi::UpdateActionResultRequest>(std::move(request)),
        [](const reapi::ActionResult&) { return OpResult::Success(); }, std::move(done));
    return true;
  }

 private:
  BenchTarget* target_;
  const uint64_t run_tag_;
  reapi::ActionResult result_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace

std::unique_ptr<Scenario> NewGetActionResultOutputsScenario(BenchTarget* target) {
  return std::make_unique<GetActionResultOutputsScenario>(target);
}
std::unique_ptr<Scenario> NewUpdateActionResultScenario(BenchTarget* target) {
  return std::make_unique<UpdateActionResultScenario>(target);
}

}  // namespace kiln
