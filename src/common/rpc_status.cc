#include "common/rpc_status.h"

#include "google/rpc/error_details.pb.h"

namespace kiln {

google::rpc::Status ToRpcStatus(const Status& status) {
  google::rpc::Status out;
  out.set_code(static_cast<int>(status.code()));
  out.set_message(status.message());
  if (!status.missing_blobs().empty()) {
    google::rpc::PreconditionFailure failure;
    for (const std::string& subject : status.missing_blobs()) {
      auto* violation = failure.add_violations();
      violation->set_type("MISSING");
      violation->set_subject(subject);
    }
    out.add_details()->PackFrom(failure);
  }
  return out;
}

}  // namespace kiln
