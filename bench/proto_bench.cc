// Parsing and serializing the messages on the hottest RPCs: an ActionResult (every
// GetActionResult hit) and a FindMissingBlobsRequest of 1000 digests.
#include <benchmark/benchmark.h>

#include "bench_data.h"
#include "common/proto_digest.h"

namespace kiln {
namespace {

reapi::ActionResult TypicalActionResult() {
  reapi::ActionResult result;
  const std::vector<Digest> digests = bench::DistinctDigests(12, 20);
  for (int i = 0; i < 10; ++i) {
    auto* file = result.add_output_files();
    file->set_path("bazel-out/k8-fastbuild/bin/pkg/output_" + std::to_string(i) + ".o");
    *file->mutable_digest() = ToProto(digests[i]);
    file->set_is_executable(i % 3 == 0);
  }
  *result.mutable_stdout_digest() = ToProto(digests[10]);
  *result.mutable_stderr_digest() = ToProto(digests[11]);
  result.mutable_execution_metadata()->set_worker("kiln-worker-1");
  return result;
}

reapi::FindMissingBlobsRequest FindMissingRequest() {
  reapi::FindMissingBlobsRequest request;
  request.set_instance_name("main");
  for (const Digest& digest : bench::DistinctDigests(1000, 21)) *request.add_blob_digests() = ToProto(digest);
  return request;
}

template <typename Message>
void Serialize(benchmark::State& state, const Message& message) {
  std::string bytes;
  for (auto _ : state) {
    bytes.clear();
    message.SerializeToString(&bytes);
    benchmark::DoNotOptimize(bytes.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * message.ByteSizeLong()));
}

template <typename Message>
void Parse(benchmark::State& state, const Message& message) {
  const std::string bytes = message.SerializeAsString();
  Message parsed;
  for (auto _ : state) {
    if (!parsed.ParseFromString(bytes)) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

void BM_ActionResultSerialize(benchmark::State& state) { Serialize(state, TypicalActionResult()); }
void BM_ActionResultParse(benchmark::State& state) { Parse(state, TypicalActionResult()); }
void BM_FindMissingRequestSerialize(benchmark::State& state) { Serialize(state, FindMissingRequest()); }
void BM_FindMissingRequestParse(benchmark::State& state) { Parse(state, FindMissingRequest()); }
BENCHMARK(BM_ActionResultSerialize);
BENCHMARK(BM_ActionResultParse);
BENCHMARK(BM_FindMissingRequestSerialize);
BENCHMARK(BM_FindMissingRequestParse);

// What the server does with each parsed request digest: validate it into a kiln Digest.
void BM_FindMissingRequestToDigests(benchmark::State& state) {
  const reapi::FindMissingBlobsRequest request = FindMissingRequest();
  for (auto _ : state) {
    std::vector<Digest> digests;
    digests.reserve(static_cast<size_t>(request.blob_digests_size()));
    for (const auto& digest : request.blob_digests()) {
      auto parsed = FromProto(DigestFunction::kSha256, digest, "blob_digests");
      if (parsed.ok()) digests.push_back(std::move(*parsed));
    }
    benchmark::DoNotOptimize(digests.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * request.blob_digests_size());
}
BENCHMARK(BM_FindMissingRequestToDigests);

}  // namespace
}  // namespace kiln
