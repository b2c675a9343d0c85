#include "server/grpc_status.h"

#include <algorithm>

namespace kiln {
namespace {

// A status travels in HTTP/2 headers, which gRPC clients bound (8 KiB by default in gRPC
// C++ and Java): one over the limit is reported to the caller as RESOURCE_EXHAUSTED
// ("received initial metadata size exceeds limit") instead of what kiln said. The details
// go base64-encoded, and repeat the message, so they keep to this many bytes; missing blobs
// beyond it are left out of the PreconditionFailure, and the message says so. (A splice of
// 100,000 missing chunks would otherwise never tell its client anything.)
constexpr size_t kMaxDetailBytes = 3 * 1024;
// What a violation costs besides its subject: its type ("MISSING") and the field framing.
constexpr size_t kViolationOverhead = 16;

// `status` with no more missing blobs than fit in the details.
Status FitToHeaders(const Status& status) {
  const std::vector<std::string>& missing = status.missing_blobs();
  size_t used = status.message().size() + 100;  // The message, the codes and a note below.
  size_t fitting = 0;
  while (fitting < missing.size() && used + missing[fitting].size() + kViolationOverhead <= kMaxDetailBytes) {
    used += missing[fitting].size() + kViolationOverhead;
    ++fitting;
  }
  if (fitting == missing.size()) return status;
  // At least one, so that a client that acts on the list can make progress.
  fitting = std::max<size_t>(fitting, 1);
  std::string message = status.message() + " (the details list the first " + std::to_string(fitting) + " of " +
                        std::to_string(missing.size()) + " missing blobs)";
  return Status(status.code(), std::move(message))
      .WithMissingBlobs(std::vector<std::string>(missing.begin(), missing.begin() + static_cast<ptrdiff_t>(fitting)));
}

}  // namespace

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (status.missing_blobs().empty()) return grpc::Status(static_cast<grpc::StatusCode>(status.code()), status.message());
  // Details travel in the grpc-status-details-bin trailer as a serialized google.rpc.Status.
  const Status fitted = FitToHeaders(status);
  return grpc::Status(static_cast<grpc::StatusCode>(fitted.code()), fitted.message(),
                      ToRpcStatus(fitted).SerializeAsString());
}

}  // namespace kiln
