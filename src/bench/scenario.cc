#include "bench/scenario.h"

#include "common/status.h"

namespace kiln {

OpResult OpResult::FromStatus(const grpc::Status& status) {
  if (status.ok()) return Success();
  const auto code = static_cast<StatusCode>(status.error_code());
  return Failure(std::string(StatusCodeName(code)) + ": " + status.error_message());
}

void SetBenchDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
}

}  // namespace kiln
