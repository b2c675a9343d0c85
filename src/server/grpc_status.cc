#include "server/grpc_status.h"

namespace kiln {

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // Details travel in the grpc-status-details-bin trailer as a serialized google.rpc.Status.
  std::string details;
  if (!status.missing_blobs().empty()) details = ToRpcStatus(status).SerializeAsString();
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), status.message(), details);
}

}  // namespace kiln
