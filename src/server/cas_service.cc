#include "server/rpc_methods.h"
#include "server/cas_service.h"

#include <algorithm>
#include <functional>

#include "cas/blob_splice.h"
#include "cas/blob_split.h"
#include "common/compression.h"
#include "common/proto_compression.h"
#include "common/resource_name.h"
#include "server/get_tree_reactor.h"
#include "server/grpc_status.h"

namespace kiln {
namespace {

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? INT64_MAX : sum;
}

StatusOr<ChunkingFunction> ChunkingFromProto(reapi::ChunkingFunction::Value value) {
  switch (value) {
    case reapi::ChunkingFunction::UNKNOWN: return ChunkingFunction::kUnspecified;
    case reapi::ChunkingFunction::FAST_CDC_2020: return ChunkingFunction::kFastCdc2020;
    case reapi::ChunkingFunction::REP_MAX_CDC: return ChunkingFunction::kRepMaxCdc;
    default:
      return Status::InvalidArgument("chunking_function " + std::to_string(value) +
                                     " is unknown (kiln knows UNKNOWN, FAST_CDC_2020 and REP_MAX_CDC)");
  }
}

reapi::ChunkingFunction::Value ChunkingToProto(ChunkingFunction function) {
  switch (function) {
    case ChunkingFunction::kUnspecified: break;
    case ChunkingFunction::kFastCdc2020: return reapi::ChunkingFunction::FAST_CDC_2020;
    case ChunkingFunction::kRepMaxCdc: return reapi::ChunkingFunction::REP_MAX_CDC;
  }
  // Left to kiln, a split uses FastCDC (chunking.h).
  return reapi::ChunkingFunction::FAST_CDC_2020;
}

// Runs `work` on `pool` and finishes the call with its status from there.
grpc::ServerUnaryReactor* FinishOnPool(grpc::CallbackServerContext* context, BlockingTaskPool& pool,
                                       std::function<Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Status submitted = pool.Submit([reactor, work = std::move(work)] { reactor->Finish(ToGrpcStatus(work())); });
  if (!submitted.ok()) reactor->Finish(ToGrpcStatus(submitted));
  return reactor;
}

}  // namespace

StatusOr<Digest> ParseRequestDigest(reapi::DigestFunction::Value function, const reapi::Digest& digest,
                                    std::string_view field) {
  auto resolved = ResolveDigestFunction(function, digest.hash());
  if (!resolved.ok()) return resolved.status().WithContext(field);
  return FromProto(*resolved, digest, field);
}

grpc::ServerUnaryReactor* CasService::FindMissingBlobs(grpc::CallbackServerContext* context,
                                                       const reapi::FindMissingBlobsRequest* request,
                                                       reapi::FindMissingBlobsResponse* response) {
  auto caller = authorizer_->Check(*context, rpc::kFindMissingBlobs, request->instance_name());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  Status valid = ValidateInstanceName(request->instance_name());
  if (!valid.ok()) return FinishUnary(context, valid);
  std::vector<Digest> digests;
  digests.reserve(request->blob_digests_size());
  for (int i = 0; i < request->blob_digests_size(); ++i) {
    // The field's name is only spelled out for an error: this loop runs for every digest.
    auto digest = ParseRequestDigest(request->digest_function(), request->blob_digests(i), "");
    if (!digest.ok()) {
      return FinishUnary(context, digest.status().WithContext("blob_digests[" + std::to_string(i) + "]"));
    }
    digests.push_back(std::move(digest).value());
  }
  // A store that cannot tell (its storage node unreachable) fails the call: reporting the
  // blobs missing would only send the client into uploads that fail the same way.
  auto missing_digests = cas_->FindMissingOrError(digests);
  if (!missing_digests.ok()) return FinishUnary(context, missing_digests.status());
  for (const Digest& missing : *missing_digests) {
    reapi::Digest* out = response->add_missing_blob_digests();
    out->set_hash(missing.hash());
    out->set_size_bytes(missing.size());
  }
  return FinishUnary(context, Status::Ok());
}

grpc::ServerUnaryReactor* CasService::BatchUpdateBlobs(grpc::CallbackServerContext* context,
                                                       const reapi::BatchUpdateBlobsRequest* request,
                                                       reapi::BatchUpdateBlobsResponse* response) {
  auto caller = authorizer_->Check(*context, rpc::kBatchUpdateBlobs, request->instance_name());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  Status valid = ValidateInstanceName(request->instance_name());
  if (!valid.ok()) return FinishUnary(context, valid);
  // Count what the blobs will occupy once decompressed, not the bytes on the wire: a small
  // zstd payload may declare (and inflate to) gigabytes.
  int64_t total = 0;
  for (const auto& item : request->requests()) {
    total = SaturatingAdd(total, std::max<int64_t>(item.digest().size_bytes(), static_cast<int64_t>(item.data().size())));
  }
  if (total > options_.max_batch_total_size_bytes) {
    return FinishUnary(context, Status::InvalidArgument(
                                    "batch carries " + std::to_string(total) + " bytes, over the limit of " +
                                    std::to_string(options_.max_batch_total_size_bytes) + "; use ByteStream Write"));
  }
  for (int i = 0; i < request->requests_size(); ++i) {
    const auto& item = request->requests(i);
    auto* out = response->add_responses();
    *out->mutable_digest() = item.digest();
    auto function = ResolveDigestFunction(request->digest_function(), item.digest().hash());
    Status status = function.ok() ? UpdateOne(*function, item, i)
                                  : function.status().WithContext("requests[" + std::to_string(i) + "].digest");
    *out->mutable_status() = ToRpcStatus(status);
  }
  return FinishUnary(context, Status::Ok());
}

Status CasService::UpdateOne(DigestFunction function, const reapi::BatchUpdateBlobsRequest::Request& item, int index) {
  const std::string field = "requests[" + std::to_string(index) + "]";
  auto digest = FromProto(function, item.digest(), field + ".digest");
  if (!digest.ok()) return digest.status();
  auto compression = CompressionFromProto(item.compressor(), field + ".compressor");
  if (!compression.ok()) return compression.status();
  if (*compression == Compression::kIdentity) return WriteBlob(*cas_, *digest, item.data());
  auto data = DecompressBytes(*compression, item.data(), digest->size());
  if (!data.ok()) return data.status().WithContext(field + ".data");
  return WriteBlob(*cas_, *digest, *data);
}

grpc::ServerUnaryReactor* CasService::BatchReadBlobs(grpc::CallbackServerContext* context,
                                                     const reapi::BatchReadBlobsRequest* request,
                                                     reapi::BatchReadBlobsResponse* response) {
  auto caller = authorizer_->Check(*context, rpc::kBatchReadBlobs, request->instance_name());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  Status valid = ValidateInstanceName(request->instance_name());
  if (!valid.ok()) return FinishUnary(context, valid);
  std::vector<Digest> digests;
  int64_t total = 0;
  for (int i = 0; i < request->digests_size(); ++i) {
    auto digest = ParseRequestDigest(request->digest_function(), request->digests(i), "");
    if (!digest.ok()) return FinishUnary(context, digest.status().WithContext("digests[" + std::to_string(i) + "]"));
    total = SaturatingAdd(total, digest->size());
    digests.push_back(std::move(digest).value());
  }
  if (total > options_.max_batch_total_size_bytes) {
    return FinishUnary(context, Status::InvalidArgument(
                                    "batch asks for " + std::to_string(total) + " bytes, over the limit of " +
                                    std::to_string(options_.max_batch_total_size_bytes) + "; use ByteStream Read"));
  }
  // The first of kiln's compressors (zstd, the fastest, before the others) that the client
  // accepts; unknown values in the list are the client's business, not an error.
  const auto& accepted = request->acceptable_compressors();
  Compression compression = Compression::kIdentity;
  for (Compression candidate : kServedCompressions) {
    if (std::find(accepted.begin(), accepted.end(), ToProto(candidate)) != accepted.end()) {
      compression = candidate;
      break;
    }
  }
  // All at once: a store over storage nodes fetches what it lacks in one call per node.
  std::vector<StatusOr<std::string>> blobs = cas_->ReadBlobs(digests);
  for (size_t i = 0; i < digests.size(); ++i) {
    ReadOne(digests[i], i < blobs.size() ? std::move(blobs[i]) : Status::Internal("the CAS answered for fewer blobs"),
            compression, response->add_responses());
  }
  return FinishUnary(context, Status::Ok());
}

void CasService::ReadOne(const Digest& digest, StatusOr<std::string> data, Compression compression,
                         reapi::BatchReadBlobsResponse::Response* out) {
  *out->mutable_digest() = ToProto(digest);
  if (!data.ok()) {
    *out->mutable_status() = ToRpcStatus(data.status());
    return;
  }
  // Compress only where it pays: small or incompressible blobs go out as they are.
  constexpr size_t kMinCompressBytes = 512;
  if (compression != Compression::kIdentity && data->size() >= kMinCompressBytes) {
    auto compressed = CompressBytes(compression, *data);
    if (compressed.ok() && compressed->size() < data->size()) {
      out->set_data(std::move(compressed).value());
      out->set_compressor(ToProto(compression));
      out->mutable_status()->set_code(0);
      return;
    }
  }
  out->set_data(std::move(data).value());
  out->mutable_status()->set_code(0);
}

grpc::ServerWriteReactor<reapi::GetTreeResponse>* CasService::GetTree(grpc::CallbackServerContext* context,
                                                                      const reapi::GetTreeRequest* request) {
  auto caller = authorizer_->Check(*context, rpc::kGetTree, request->instance_name());
  if (!caller.ok()) return new FinishedWriteReactor<reapi::GetTreeResponse>(caller.status());
  Status valid = ValidateInstanceName(request->instance_name());
  if (valid.ok() && !request->has_root_digest()) valid = Status::InvalidArgument("root_digest is required");
  if (valid.ok() && request->page_size() < 0) {
    valid = Status::InvalidArgument("page_size " + std::to_string(request->page_size()) + " is negative");
  }
  if (!valid.ok()) return new FinishedWriteReactor<reapi::GetTreeResponse>(valid);
  auto root = ParseRequestDigest(request->digest_function(), request->root_digest(), "root_digest");
  if (!root.ok()) return new FinishedWriteReactor<reapi::GetTreeResponse>(root.status());
  auto walker = TreeWalker::Start(cas_, *root, request->page_token(), options_.max_message_bytes);
  if (!walker.ok()) return new FinishedWriteReactor<reapi::GetTreeResponse>(walker.status());
  // Pages stay well under the 4 MiB default gRPC message limit of clients.
  constexpr int kDefaultPageSize = 1000;
  constexpr int64_t kMaxPageBytes = 2 * 1024 * 1024;
  const int page_size = request->page_size() > 0 ? std::min(request->page_size(), 10 * kDefaultPageSize) : kDefaultPageSize;
  return new GetTreeReactor(std::move(walker).value(), page_size, kMaxPageBytes);
}

grpc::ServerUnaryReactor* CasService::SplitBlob(grpc::CallbackServerContext* context,
                                                const reapi::SplitBlobRequest* request,
                                                reapi::SplitBlobResponse* response) {
  auto caller = authorizer_->Check(*context, rpc::kSplitBlob, request->instance_name());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  Status valid = ValidateInstanceName(request->instance_name());
  if (valid.ok() && !request->has_blob_digest()) valid = Status::InvalidArgument("blob_digest is required");
  if (!valid.ok()) return FinishUnary(context, valid);
  auto blob = ParseRequestDigest(request->digest_function(), request->blob_digest(), "blob_digest");
  if (!blob.ok()) return FinishUnary(context, blob.status());
  auto function = ChunkingFromProto(request->chunking_function());
  if (!function.ok()) return FinishUnary(context, function.status());
  return FinishOnPool(context, chunking_pool_, [this, blob = *blob, function = *function, response]() -> Status {
    auto chunks = SplitStoredBlob(*cas_, blob, function, options_.chunking);
    if (!chunks.ok()) return chunks.status();
    for (const Digest& chunk : *chunks) *response->add_chunk_digests() = ToProto(chunk);
    response->set_chunking_function(ChunkingToProto(function));
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* CasService::SpliceBlob(grpc::CallbackServerContext* context,
                                                 const reapi::SpliceBlobRequest* request,
                                                 reapi::SpliceBlobResponse* response) {
  auto caller = authorizer_->Check(*context, rpc::kSpliceBlob, request->instance_name());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  Status valid = ValidateInstanceName(request->instance_name());
  // REAPI makes blob_digest mandatory: the digest is what the assembled bytes are checked against.
  if (valid.ok() && !request->has_blob_digest()) valid = Status::InvalidArgument("blob_digest is required");
  if (!valid.ok()) return FinishUnary(context, valid);
  auto function = ResolveDigestFunction(request->digest_function(), request->blob_digest().hash());
  if (!function.ok()) return FinishUnary(context, function.status().WithContext("blob_digest"));
  auto blob = FromProto(*function, request->blob_digest(), "blob_digest");
  if (!blob.ok()) return FinishUnary(context, blob.status());
  // Only checked: for every function the chunks must assemble to the blob, and kiln does
  // not second-guess where the client cut.
  auto chunking = ChunkingFromProto(request->chunking_function());
  if (!chunking.ok()) return FinishUnary(context, chunking.status());
  std::vector<Digest> chunks;
  chunks.reserve(request->chunk_digests_size());
  for (int i = 0; i < request->chunk_digests_size(); ++i) {
    // One function for the blob and all its chunks: a chunk of another hash length fails here.
    auto chunk = FromProto(*function, request->chunk_digests(i), "");
    if (!chunk.ok()) {
      return FinishUnary(context, chunk.status().WithContext("chunk_digests[" + std::to_string(i) + "]"));
    }
    chunks.push_back(std::move(chunk).value());
  }
  return FinishOnPool(context, chunking_pool_,
                      [this, context, blob = *blob, chunks = std::move(chunks), response]() -> Status {
                        SpliceOptions options;
                        options.cancelled = [context] { return context->IsCancelled(); };
                        KILN_RETURN_IF_ERROR(kiln::SpliceBlob(*cas_, blob, chunks, options));
                        *response->mutable_blob_digest() = ToProto(blob);
                        return Status::Ok();
                      });
}

}  // namespace kiln
