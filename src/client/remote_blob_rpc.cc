#include "client/remote_blob_rpc.h"

#include <cstdio>
#include <random>

namespace kiln {
namespace {

StatusCode CodeFromWire(int code) {
  constexpr int kMaxKnown = static_cast<int>(StatusCode::kUnauthenticated);
  return code >= 0 && code <= kMaxKnown ? static_cast<StatusCode>(code) : StatusCode::kUnknown;
}

}  // namespace

Status FromGrpcStatus(const grpc::Status& status, std::string_view context) {
  if (status.ok()) return Status::Ok();
  return Status(CodeFromWire(status.error_code()), status.error_message()).WithContext(context);
}

Status FromRpcStatus(const google::rpc::Status& status, std::string_view context) {
  if (status.code() == 0) return Status::Ok();
  return Status(CodeFromWire(status.code()), status.message()).WithContext(context);
}

std::unique_ptr<grpc::ClientContext> NewClientContext(Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(timeout));
  return context;
}

std::string NewUploadId() {
  thread_local std::mt19937_64 random(std::random_device{}());
  uint64_t high = random();
  uint64_t low = random();
  high = (high & ~uint64_t{0xf000}) | 0x4000;                  // Version 4.
  low = (low & ~(uint64_t{0xc} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122 variant.
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xffff),
                static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

}  // namespace kiln
