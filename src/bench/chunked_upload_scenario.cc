#include "bench/chunked_upload_scenario.h"

#include <atomic>
#include <cstring>
#include <random>

#include "bench/bench_setup.h"
#include "bench/unique_blob_series.h"
#include "cas/fast_cdc.h"
#include "client/remote_blob_rpc.h"
#include "common/blocking_task_pool.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "common/resource_name.h"

namespace kiln {
namespace {

constexpr size_t kBlobBytes = size_t{64} << 20;
constexpr size_t kEditedBytes = kBlobBytes / 100;

void FillRandom(char* data, size_t size, uint64_t seed) {
  std::mt19937_64 random(seed);
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    const uint64_t word = random();
    std::memcpy(data + i, &word, 8);
  }
  for (; i < size; ++i) data[i] = static_cast<char>(random());
}

class ChunkedReuploadScenario final : public Scenario {
 public:
  explicit ChunkedReuploadScenario(BenchTarget* target)
      : target_(target), run_tag_(NewRunTag()), pool_(1, 1, "chunked uploads") {}

  ScenarioInfo info() const override {
    ScenarioInfo info{"chunked_reupload",
                      "64 MiB blob with 1% changed in the middle, uploaded again as FastCDC chunks the server lacks "
                      "plus SpliceBlob",
                      RateUnit::kBytes, LimitKind::kNone, 1};
    info.logical_bytes_per_op = static_cast<int64_t>(kBlobBytes);
    return info;
  }

  Status Prepare(Duration) override {
    KILN_RETURN_IF_ERROR(ReadChunkingParams());
    base_.resize(kBlobBytes);
    FillRandom(base_.data(), base_.size(), run_tag_);
    KILN_RETURN_IF_ERROR(UploadBlobs(*target_, {base_}));
    // The server cuts the first version: its chunks are what later uploads can reuse.
    reapi::SplitBlobRequest request;
    request.set_instance_name(target_->instance_name());
    *request.mutable_blob_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, base_));
    request.set_digest_function(reapi::DigestFunction::SHA256);
    request.set_chunking_function(reapi::ChunkingFunction::FAST_CDC_2020);
    reapi::SplitBlobResponse response;
    grpc::ClientContext context;
    SetBenchDeadline(context);
    return FromGrpcStatus(target_->cas(0).SplitBlob(&context, request, &response), "SplitBlob of the first version");
  }

  bool Start(int slot, OpDone done) override {
    const uint64_t edit = next_edit_++;
    return pool_.Submit([this, edit, done = std::move(done)] { done(ReuploadEdited(edit)); }).ok();
  }

 private:
  Status ReadChunkingParams() {
    reapi::GetCapabilitiesRequest request;
    request.set_instance_name(target_->instance_name());
    reapi::ServerCapabilities capabilities;
    grpc::ClientContext context;
    SetBenchDeadline(context);
    KILN_RETURN_IF_ERROR(FromGrpcStatus(target_->capabilities(0).GetCapabilities(&context, request, &capabilities),
                                        "GetCapabilities"));
    const auto& cache = capabilities.cache_capabilities();
    if (!cache.split_blob_support() || !cache.splice_blob_support() || !cache.has_fast_cdc_2020_params()) {
      return Status::FailedPrecondition("the server does not offer SplitBlob and SpliceBlob with FastCDC");
    }
    auto chunker = FastCdc2020::Create(
        FastCdcParams::ForAverage(cache.fast_cdc_2020_params().avg_chunk_size_bytes(), cache.fast_cdc_2020_params().seed()));
    if (!chunker.ok()) return chunker.status().WithContext("advertised FastCDC parameters");
    chunker_ = std::move(chunker).value();
    return Status::Ok();
  }

  OpResult ReuploadEdited(uint64_t edit) {
    std::string blob = base_;
    FillRandom(blob.data() + (kBlobBytes - kEditedBytes) / 2, kEditedBytes, run_tag_ ^ (edit + 1) * 0x9e3779b97f4a7c15ULL);
    // Cut and hash on the client, as a chunking client would before it asks the server.
    std::vector<std::string_view> chunks;
    reapi::FindMissingBlobsRequest find;
    find.set_instance_name(target_->instance_name());
    find.set_digest_function(reapi::DigestFunction::SHA256);
    const auto* bytes = reinterpret_cast<const uint8_t*>(blob.data());
    for (size_t offset = 0; offset < blob.size(); offset += chunks.back().size()) {
      chunks.push_back(std::string_view(blob).substr(offset, chunker_->Cut(bytes + offset, blob.size() - offset).length));
      *find.add_blob_digests() = ToProto(ComputeDigest(DigestFunction::kSha256, chunks.back()));
    }
    reapi::FindMissingBlobsResponse missing;
    {
      grpc::ClientContext context;
      SetBenchDeadline(context);
      grpc::Status status = target_->cas(0).FindMissingBlobs(&context, find, &missing);
      if (!status.ok()) return OpResult::FromStatus(status);
    }
    std::vector<std::string> uploads;
    int64_t sent = 0;
    for (const auto& digest : missing.missing_blob_digests()) {
      for (int i = 0; i < find.blob_digests_size(); ++i) {
        if (find.blob_digests(i).hash() == digest.hash()) {
          uploads.emplace_back(chunks[static_cast<size_t>(i)]);
          sent += static_cast<int64_t>(uploads.back().size());
          break;
        }
      }
    }
    Status uploaded = UploadBlobs(*target_, uploads);
    if (!uploaded.ok()) return OpResult::Failure(uploaded.ToString());
    reapi::SpliceBlobRequest splice;
    splice.set_instance_name(target_->instance_name());
    *splice.mutable_blob_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, blob));
    *splice.mutable_chunk_digests() = find.blob_digests();
    splice.set_digest_function(reapi::DigestFunction::SHA256);
    splice.set_chunking_function(reapi::ChunkingFunction::FAST_CDC_2020);
    reapi::SpliceBlobResponse spliced;
    grpc::ClientContext context;
    SetBenchDeadline(context);
    grpc::Status status = target_->cas(0).SpliceBlob(&context, splice, &spliced);
    if (!status.ok()) return OpResult::FromStatus(status);
    return OpResult::Success(sent);
  }

  BenchTarget* target_;
  uint64_t run_tag_;
  std::string base_;
  std::unique_ptr<FastCdc2020> chunker_;
  std::atomic<uint64_t> next_edit_{0};
  // One operation at a time, off the load runner's thread. Last: its queued operation
  // finishes before the members it uses go.
  BlockingTaskPool pool_;
};

}  // namespace

std::unique_ptr<Scenario> NewChunkedReuploadScenario(BenchTarget* target) {
  return std::make_unique<ChunkedReuploadScenario>(target);
}

}  // namespace kiln
