#include "bench/cas_scenarios.h"

#include <algorithm>
#include <string>
#include <vector>

#include "bench/bench_setup.h"
#include "bench/fixed_request_scenario.h"
#include "bench/unary_call.h"
#include "bench/unique_blob_series.h"
#include "common/hasher.h"
#include "common/proto_digest.h"

namespace kiln {
namespace {

constexpr int kFindMissingDigests = 1000;
constexpr int kBatchBlobs = 100;
constexpr size_t kSmallBlobBytes = 4096;
// Pregenerated batches for BatchUpdateBlobs: enough for this many calls per second.
constexpr double kMaxBatchUpdatesPerSecond = 4000;
// Cold batch reads: blobs for at most this many calls a second, and this many a run.
constexpr double kMaxColdBatchReadsPerSecond = 300;
constexpr size_t kMaxColdBatchReads = 900;
// Setup uploads the cold blobs this many at a time (bounded memory).
constexpr size_t kUploadSlice = 10000;

// 1000 distinct 4 KiB blobs of this run.
std::vector<std::string> SmallBlobs(int count, uint64_t run_tag) {
  UniqueBlobSeries series(kSmallBlobBytes, run_tag);
  std::vector<std::string> blobs;
  for (int i = 0; i < count; ++i) blobs.push_back(series.Blob(static_cast<size_t>(i)));
  return blobs;
}

// The failure of one item of a batch response.
template <typename Item>
OpResult FailedBlob(const Item& item) {
  return OpResult::Failure("blob " + item.digest().hash() + ": " + item.status().message());
}

// A BatchReadBlobs answer for kBatchBlobs small blobs: every item read, all the bytes there.
OpResult CheckBatchRead(const reapi::BatchReadBlobsResponse& response) {
  int64_t bytes = 0;
  for (const auto& item : response.responses()) {
    if (item.status().code() != 0) return FailedBlob(item);
    bytes += static_cast<int64_t>(item.data().size());
  }
  if (bytes != kBatchBlobs * static_cast<int64_t>(kSmallBlobBytes)) {
    return OpResult::Failure("read " + std::to_string(bytes) + " bytes, expected " +
                             std::to_string(kBatchBlobs * kSmallBlobBytes));
  }
  return OpResult::Success(bytes);
}

class FindMissingScenario final
    : public FixedRequestScenario<reapi::FindMissingBlobsRequest, reapi::FindMissingBlobsResponse> {
 public:
  FindMissingScenario(BenchTarget* target, bool present) : FixedRequestScenario(target), present_(present) {}

  ScenarioInfo info() const override {
    if (present_) {
      return {"find_missing_present", "FindMissingBlobs, 1000 digests all present", RateUnit::kOperations,
              LimitKind::kNone};
    }
    return {"find_missing_missing", "FindMissingBlobs, 1000 digests all missing", RateUnit::kOperations,
            LimitKind::kNone};
  }

 private:
  Status BuildRequest(reapi::FindMissingBlobsRequest& request) override {
    request.set_digest_function(reapi::DigestFunction::SHA256);
    const std::vector<std::string> blobs = SmallBlobs(kFindMissingDigests, NewRunTag());
    if (present_) KILN_RETURN_IF_ERROR(UploadBlobs(target(), blobs));
    for (const std::string& blob : blobs) {
      *request.add_blob_digests() = ToProto(ComputeDigest(DigestFunction::kSha256, blob));
    }
    return Status::Ok();
  }

  void Call(int slot, grpc::ClientContext* context, const reapi::FindMissingBlobsRequest* request,
            reapi::FindMissingBlobsResponse* response, Callback callback) override {
    target().cas(slot).async()->FindMissingBlobs(context, request, response, std::move(callback));
  }

  OpResult Check(const reapi::FindMissingBlobsResponse& response) const override {
    const int expected_missing = present_ ? 0 : kFindMissingDigests;
    if (response.missing_blob_digests_size() == expected_missing) return OpResult::Success();
    return OpResult::Failure(std::to_string(response.missing_blob_digests_size()) + " of " +
                             std::to_string(kFindMissingDigests) + " digests reported missing, expected " +
                             std::to_string(expected_missing));
  }

  const bool present_;
};

class GetActionResultHitScenario final : public FixedRequestScenario<reapi::GetActionResultRequest, reapi::ActionResult> {
 public:
  using FixedRequestScenario::FixedRequestScenario;

  ScenarioInfo info() const override {
    return {"get_action_result_hit", "GetActionResult of a cached result", RateUnit::kOperations, LimitKind::kNone};
  }

 private:
  Status BuildRequest(reapi::GetActionResultRequest& request) override {
    reapi::Action action;
    action.set_salt("kiln bench get_action_result_hit " + std::to_string(NewRunTag()));
    const Digest action_digest = ComputeDigest(DigestFunction::kSha256, action.SerializeAsString());
    reapi::ActionResult result;
    result.set_exit_code(0);
    KILN_RETURN_IF_ERROR(UpdateActionResult(target(), action_digest, result));
    request.set_digest_function(reapi::DigestFunction::SHA256);
    *request.mutable_action_digest() = ToProto(action_digest);
    return Status::Ok();
  }

  void Call(int slot, grpc::ClientContext* context, const reapi::GetActionResultRequest* request,
            reapi::ActionResult* response, Callback callback) override {
    target().action_cache(slot).async()->GetActionResult(context, request, response, std::move(callback));
  }
};

// The cheapest unary call REAPI has (the server looks nothing up): the most unary calls per
// second this client and machine allow, which bounds every other unary scenario.
class GetCapabilitiesScenario final
    : public FixedRequestScenario<reapi::GetCapabilitiesRequest, reapi::ServerCapabilities> {
 public:
  using FixedRequestScenario::FixedRequestScenario;

  ScenarioInfo info() const override {
    return {"get_capabilities", "GetCapabilities: the unary-call ceiling", RateUnit::kOperations, LimitKind::kNone};
  }

 private:
  Status BuildRequest(reapi::GetCapabilitiesRequest&) override { return Status::Ok(); }

  void Call(int slot, grpc::ClientContext* context, const reapi::GetCapabilitiesRequest* request,
            reapi::ServerCapabilities* response, Callback callback) override {
    target().capabilities(slot).async()->GetCapabilities(context, request, response, std::move(callback));
  }
};

class BatchReadScenario final : public FixedRequestScenario<reapi::BatchReadBlobsRequest, reapi::BatchReadBlobsResponse> {
 public:
  using FixedRequestScenario::FixedRequestScenario;

  ScenarioInfo info() const override {
    return {"batch_read", "BatchReadBlobs, 100 x 4 KiB present", RateUnit::kOperations, LimitKind::kLoopbackTcp};
  }

 private:
  Status BuildRequest(reapi::BatchReadBlobsRequest& request) override {
    const std::vector<std::string> blobs = SmallBlobs(kBatchBlobs, NewRunTag());
    KILN_RETURN_IF_ERROR(UploadBlobs(target(), blobs));
    request.set_digest_function(reapi::DigestFunction::SHA256);
    for (const std::string& blob : blobs) {
      *request.add_digests() = ToProto(ComputeDigest(DigestFunction::kSha256, blob));
    }
    return Status::Ok();
  }

  void Call(int slot, grpc::ClientContext* context, const reapi::BatchReadBlobsRequest* request,
            reapi::BatchReadBlobsResponse* response, Callback callback) override {
    target().cas(slot).async()->BatchReadBlobs(context, request, response, std::move(callback));
  }

  OpResult Check(const reapi::BatchReadBlobsResponse& response) const override { return CheckBatchRead(response); }
};

// Each call reads 100 blobs never read before: a server that keeps its CAS elsewhere (a
// frontend over storage nodes) cannot answer from its read cache.
class BatchReadColdScenario final : public Scenario {
 public:
  explicit BatchReadColdScenario(BenchTarget* target) : target_(target), series_(kSmallBlobBytes, NewRunTag()) {}

  ScenarioInfo info() const override {
    return {"batch_read_cold", "BatchReadBlobs, 100 x 4 KiB present, each blob read once", RateUnit::kOperations,
            LimitKind::kLoopbackTcp};
  }

  Status Prepare(Duration duration) override {
    const double seconds = std::chrono::duration<double>(duration).count();
    const size_t calls = std::min(static_cast<size_t>(seconds * kMaxColdBatchReadsPerSecond) + 1, kMaxColdBatchReads);
    series_.Prepare(calls * kBatchBlobs);
    for (size_t first = 0; first < series_.count(); first += kUploadSlice) {
      std::vector<std::string> blobs;
      for (size_t i = first; i < std::min(first + kUploadSlice, series_.count()); ++i) blobs.push_back(series_.Blob(i));
      KILN_RETURN_IF_ERROR(UploadBlobs(*target_, blobs));
    }
    return Status::Ok();
  }

  bool Start(int slot, OpDone done) override {
    const std::optional<size_t> first = series_.Take(kBatchBlobs);
    if (!first) return false;
    auto request = std::make_shared<reapi::BatchReadBlobsRequest>();
    request->set_instance_name(target_->instance_name());
    request->set_digest_function(reapi::DigestFunction::SHA256);
    for (size_t i = *first; i < *first + kBatchBlobs; ++i) *request->add_digests() = ToProto(series_.DigestOf(i));
    reapi::ContentAddressableStorage::Stub* stub = &target_->cas(slot);
    StartUnaryCall<reapi::BatchReadBlobsResponse>(
        [stub](auto* context, auto* request, auto* response, auto callback) {
          stub->async()->BatchReadBlobs(context, request, response, std::move(callback));
        },
        std::shared_ptr<const reapi::BatchReadBlobsRequest>(std::move(request)),
        [](const reapi::BatchReadBlobsResponse& response) { return CheckBatchRead(response); }, std::move(done));
    return true;
  }

 private:
  BenchTarget* target_;
  UniqueBlobSeries series_;
};

class BatchUpdateScenario final : public Scenario {
 public:
  explicit BatchUpdateScenario(BenchTarget* target) : target_(target), series_(kSmallBlobBytes, NewRunTag()) {}

  ScenarioInfo info() const override {
    return {"batch_update", "BatchUpdateBlobs, 100 x 4 KiB unique", RateUnit::kOperations, LimitKind::kSha256};
  }

  Status Prepare(Duration duration) override {
    const double seconds = std::chrono::duration<double>(duration).count();
    series_.Prepare(static_cast<size_t>(seconds * kMaxBatchUpdatesPerSecond + 1) * kBatchBlobs);
    return Status::Ok();
  }

  bool Start(int slot, OpDone done) override {
    const std::optional<size_t> first = series_.Take(kBatchBlobs);
    if (!first) return false;
    auto request = std::make_shared<reapi::BatchUpdateBlobsRequest>();
    request->set_instance_name(target_->instance_name());
    request->set_digest_function(reapi::DigestFunction::SHA256);
    for (size_t i = *first; i < *first + kBatchBlobs; ++i) {
      auto* item = request->add_requests();
      *item->mutable_digest() = ToProto(series_.DigestOf(i));
      std::string* data = item->mutable_data();
      data->reserve(series_.blob_size());
      data->append(series_.body());
      data->append(series_.Suffix(i));
    }
    reapi::ContentAddressableStorage::Stub* stub = &target_->cas(slot);
    StartUnaryCall<reapi::BatchUpdateBlobsResponse>(
        [stub](auto* context, auto* request, auto* response, auto callback) {
          stub->async()->BatchUpdateBlobs(context, request, response, std::move(callback));
        },
        std::shared_ptr<const reapi::BatchUpdateBlobsRequest>(std::move(request)),
        [](const reapi::BatchUpdateBlobsResponse& response) {
          for (const auto& item : response.responses()) {
            if (item.status().code() != 0) return FailedBlob(item);
          }
          if (response.responses_size() != kBatchBlobs) {
            return OpResult::Failure(std::to_string(response.responses_size()) + " responses for " +
                                     std::to_string(kBatchBlobs) + " blobs");
          }
          return OpResult::Success(kBatchBlobs * static_cast<int64_t>(kSmallBlobBytes));
        },
        std::move(done));
    return true;
  }

 private:
  BenchTarget* target_;
  UniqueBlobSeries series_;
};

}  // namespace

std::unique_ptr<Scenario> NewFindMissingPresentScenario(BenchTarget* target) {
  return std::make_unique<FindMissingScenario>(target, true);
}
std::unique_ptr<Scenario> NewFindMissingMissingScenario(BenchTarget* target) {
  return std::make_unique<FindMissingScenario>(target, false);
}
std::unique_ptr<Scenario> NewGetCapabilitiesScenario(BenchTarget* target) {
  return std::make_unique<GetCapabilitiesScenario>(target);
}

std::unique_ptr<Scenario> NewGetActionResultHitScenario(BenchTarget* target) {
  return std::make_unique<GetActionResultHitScenario>(target);
}
std::unique_ptr<Scenario> NewBatchReadScenario(BenchTarget* target) { return std::make_unique<BatchReadScenario>(target); }
std::unique_ptr<Scenario> NewBatchReadColdScenario(BenchTarget* target) {
  return std::make_unique<BatchReadColdScenario>(target);
}
std::unique_ptr<Scenario> NewBatchUpdateScenario(BenchTarget* target) {
  return std::make_unique<BatchUpdateScenario>(target);
}

}  // namespace kiln
