#include "server/rpc_methods.h"
#include "server/asset_service.h"

#include <algorithm>
#include <memory>

#include "common/proto_digest.h"
#include "common/resource_name.h"
#include "google/rpc/error_details.pb.h"
#include "server/grpc_status.h"

namespace kiln {
namespace {

// Times beyond this (the year 2255) are clamped to it, so that nanosecond arithmetic
// cannot overflow; nothing kiln stores lives that long anyway.
constexpr int64_t kLatestSeconds = 9'000'000'000;

StatusOr<WallTime> FromProto(const google::protobuf::Timestamp& time, std::string_view field) {
  if (time.seconds() < 0 || time.nanos() < 0 || time.nanos() > 999'999'999) {
    return Status::InvalidArgument(std::string(field) + " is not a valid timestamp at or after 1970");
  }
  const auto since_epoch = std::chrono::seconds(std::min(time.seconds(), kLatestSeconds)) +
                           std::chrono::nanoseconds(time.nanos());
  return WallTime(std::chrono::duration_cast<WallTime::duration>(since_epoch));
}

google::protobuf::Timestamp ToProto(WallTime time) {
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  google::protobuf::Timestamp out;
  out.set_seconds(nanos / 1'000'000'000);
  out.set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  return out;
}

Status ValidateUris(const google::protobuf::RepeatedPtrField<std::string>& uris) {
  if (uris.empty()) return Status::InvalidArgument("uris: at least one URI is required");
  for (int i = 0; i < uris.size(); ++i) {
    if (uris[i].empty()) return Status::InvalidArgument("uris[" + std::to_string(i) + "] is empty");
  }
  return Status::Ok();
}

// The spec: a set digest_function "MUST be the same with the digest function used in
// checksum.sri".
Status CheckChecksumFunction(const ParsedQualifiers& qualifiers, reapi::DigestFunction::Value requested,
                             DigestFunction function) {
  if (!qualifiers.checksum || requested == reapi::DigestFunction::UNKNOWN || qualifiers.checksum->function == function) {
    return Status::Ok();
  }
  return Status::InvalidArgument("digest_function " + std::string(DigestFunctionName(function)) +
                                 " differs from the checksum.sri hash function " +
                                 std::string(DigestFunctionName(qualifiers.checksum->function)) +
                                 " (they must be the same)");
}

template <typename Request>
StatusOr<AssetFetchRequest> ParseFetchRequest(const Request& request, AssetKind kind) {
  KILN_RETURN_IF_ERROR(ValidateInstanceName(request.instance_name()));
  KILN_RETURN_IF_ERROR(ValidateUris(request.uris()));
  AssetFetchRequest parsed;
  parsed.kind = kind;
  parsed.instance_name = request.instance_name();
  parsed.uris.assign(request.uris().begin(), request.uris().end());
  auto qualifiers = ParseQualifiers(request.qualifiers(), kind);
  if (!qualifiers.ok()) return qualifiers.status();
  parsed.qualifiers = std::move(qualifiers).value();
  auto function = ResolveDigestFunction(request.digest_function(), "");
  if (!function.ok()) return function.status();
  parsed.function = *function;
  KILN_RETURN_IF_ERROR(CheckChecksumFunction(parsed.qualifiers, request.digest_function(), parsed.function));
  if (request.has_timeout()) {
    const auto& timeout = request.timeout();
    if (timeout.seconds() < 0 || timeout.nanos() < 0) return Status::InvalidArgument("timeout must not be negative");
    // A zero timeout cannot mean "give up at once"; it is read as unset (the default).
    const Duration duration =
        std::chrono::seconds(std::min(timeout.seconds(), kLatestSeconds)) + std::chrono::nanoseconds(timeout.nanos());
    if (duration > Duration::zero()) parsed.timeout = duration;
  }
  if (request.has_oldest_content_accepted()) {
    auto oldest = FromProto(request.oldest_content_accepted(), "oldest_content_accepted");
    if (!oldest.ok()) return oldest.status();
    parsed.oldest_accepted = *oldest;
  }
  return parsed;
}

// INVALID_ARGUMENT with the BadRequest detail the spec asks for: one FieldViolation per
// unsupported qualifier.
grpc::Status UnsupportedQualifiersStatus(const Status& status, const std::vector<std::string>& names) {
  google::rpc::BadRequest bad_request;
  for (const std::string& name : names) {
    auto* violation = bad_request.add_field_violations();
    violation->set_field("qualifiers.name");
    violation->set_description("\"" + name + "\" not supported");
  }
  google::rpc::Status details = ToRpcStatus(status);
  details.add_details()->PackFrom(bad_request);
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, status.message(), details.SerializeAsString());
}

template <typename Response>
void FillCommonResponse(const AssetFetchRequest& request, const AssetFetchResult& result, Response& response) {
  *response.mutable_status() = ToRpcStatus(result.status);
  response.set_uri(result.uri);
  for (const auto& [name, value] : result.qualifiers) {
    auto* qualifier = response.add_qualifiers();
    qualifier->set_name(name);
    qualifier->set_value(value);
  }
  if (result.expires_at) *response.mutable_expires_at() = ToProto(*result.expires_at);
  response.set_digest_function(kiln::ToProto(request.function));
}

// Validates, then runs the fetch on the pool and finishes the call from there.
template <typename Request, typename Response, typename SetDigest>
grpc::ServerUnaryReactor* StartFetch(grpc::CallbackServerContext* context, const Request& request, Response* response,
                                     AssetKind kind, AssetFetcher* fetcher, BlockingTaskPool* pool, SetDigest set_digest,
                                     metrics::Family<metrics::Counter>* fetches) {
  auto parsed = ParseFetchRequest(request, kind);
  if (!parsed.ok()) return FinishUnary(context, parsed.status());
  auto shared = std::make_shared<AssetFetchRequest>(std::move(parsed).value());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Status submitted = pool->Submit([reactor, response, fetcher, shared, set_digest, fetches, kind] {
    auto result = fetcher->Fetch(*shared);
    if (fetches != nullptr) {
      const std::string outcome = !result.ok()           ? std::string(StatusCodeName(result.status().code()))
                                  : result->status.ok() ? "ok"
                                                        : "origin_failed";
      fetches->WithLabels({kind == AssetKind::kBlob ? "blob" : "directory", outcome}).Inc();
    }
    if (!result.ok()) {
      const bool unsupported = result.status().code() == StatusCode::kInvalidArgument && !shared->qualifiers.unsupported.empty();
      reactor->Finish(unsupported ? UnsupportedQualifiersStatus(result.status(), shared->qualifiers.unsupported)
                                  : ToGrpcStatus(result.status()));
      return;
    }
    FillCommonResponse(*shared, *result, *response);
    if (result->status.ok()) set_digest(*response, kiln::ToProto(result->digest));
    reactor->Finish(grpc::Status::OK);
  });
  if (!submitted.ok()) reactor->Finish(ToGrpcStatus(submitted));
  return reactor;
}

StatusOr<std::vector<Digest>> ParseDigests(DigestFunction function,
                                           const google::protobuf::RepeatedPtrField<reapi::Digest>& digests,
                                           std::string_view field) {
  std::vector<Digest> out;
  for (int i = 0; i < digests.size(); ++i) {
    auto digest = kiln::FromProto(function, digests[i], std::string(field) + "[" + std::to_string(i) + "]");
    if (!digest.ok()) return digest.status();
    out.push_back(std::move(digest).value());
  }
  return out;
}

// The core form of a push request; `digest` is null when the request lacks it.
template <typename Request>
StatusOr<AssetPushRequest> ParsePushRequest(const Request& request, AssetKind kind, const reapi::Digest* digest,
                                            std::string_view digest_field) {
  KILN_RETURN_IF_ERROR(ValidateInstanceName(request.instance_name()));
  KILN_RETURN_IF_ERROR(ValidateUris(request.uris()));
  auto qualifiers = ParseQualifiers(request.qualifiers(), kind);
  if (!qualifiers.ok()) return qualifiers.status();
  if (digest == nullptr) return Status::InvalidArgument(std::string(digest_field) + " is required");
  auto function = ResolveDigestFunction(request.digest_function(), digest->hash());
  if (!function.ok()) return function.status();
  KILN_RETURN_IF_ERROR(CheckChecksumFunction(*qualifiers, request.digest_function(), *function));
  auto parsed_digest = kiln::FromProto(*function, *digest, digest_field);
  auto blobs = ParseDigests(*function, request.references_blobs(), "references_blobs");
  auto directories = ParseDigests(*function, request.references_directories(), "references_directories");
  if (!parsed_digest.ok()) return parsed_digest.status();
  if (!blobs.ok()) return blobs.status();
  if (!directories.ok()) return directories.status();
  AssetPushRequest parsed;
  parsed.scope = AssetScope{request.instance_name(), kind, qualifiers->identity};
  parsed.uris.assign(request.uris().begin(), request.uris().end());
  parsed.checksum = qualifiers->checksum;
  parsed.mapping.digest = std::move(parsed_digest).value();
  parsed.mapping.references_blobs = std::move(blobs).value();
  parsed.mapping.references_directories = std::move(directories).value();
  if (request.has_expire_at()) {
    auto expire_at = FromProto(request.expire_at(), "expire_at");
    if (!expire_at.ok()) return expire_at.status();
    parsed.mapping.expire_at = *expire_at;
  }
  return parsed;
}

template <typename Request>
Status Push(AssetIndex& index, const Request& request, AssetKind kind, const reapi::Digest* digest,
            std::string_view digest_field) {
  auto parsed = ParsePushRequest(request, kind, digest, digest_field);
  if (!parsed.ok()) return parsed.status();
  return RecordPush(index, std::move(parsed).value());
}

}  // namespace

grpc::ServerUnaryReactor* FetchService::FetchBlob(grpc::CallbackServerContext* context,
                                                  const asset_proto::FetchBlobRequest* request,
                                                  asset_proto::FetchBlobResponse* response) {
  auto caller = authorizer_->Check(*context, rpc::kFetchBlob, request->instance_name());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  return StartFetch(
      context, *request, response, AssetKind::kBlob, fetcher_, pool_,
      [](asset_proto::FetchBlobResponse& out, const reapi::Digest& digest) { *out.mutable_blob_digest() = digest; },
      fetches_);
}

grpc::ServerUnaryReactor* FetchService::FetchDirectory(grpc::CallbackServerContext* context,
                                                       const asset_proto::FetchDirectoryRequest* request,
                                                       asset_proto::FetchDirectoryResponse* response) {
  auto caller = authorizer_->Check(*context, rpc::kFetchDirectory, request->instance_name());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  return StartFetch(context, *request, response, AssetKind::kDirectory, fetcher_, pool_,
                    [](asset_proto::FetchDirectoryResponse& out, const reapi::Digest& digest) {
                      *out.mutable_root_directory_digest() = digest;
                    },
                    fetches_);
}

grpc::ServerUnaryReactor* PushService::PushBlob(grpc::CallbackServerContext* context,
                                                const asset_proto::PushBlobRequest* request,
                                                asset_proto::PushBlobResponse* response) {
  auto caller = authorizer_->Check(*context, rpc::kPushBlob, request->instance_name());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  const reapi::Digest* digest = request->has_blob_digest() ? &request->blob_digest() : nullptr;
  return FinishUnary(context, Push(*index_, *request, AssetKind::kBlob, digest, "blob_digest"));
}

grpc::ServerUnaryReactor* PushService::PushDirectory(grpc::CallbackServerContext* context,
                                                     const asset_proto::PushDirectoryRequest* request,
                                                     asset_proto::PushDirectoryResponse* response) {
  auto caller = authorizer_->Check(*context, rpc::kPushDirectory, request->instance_name());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  const reapi::Digest* digest = request->has_root_directory_digest() ? &request->root_directory_digest() : nullptr;
  return FinishUnary(context, Push(*index_, *request, AssetKind::kDirectory, digest, "root_directory_digest"));
}

}  // namespace kiln
