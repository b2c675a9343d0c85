// kiln Status → google.rpc.Status (the error embedded in REAPI responses such as
// ExecuteResponse.status and batch items), with missing blobs as a PreconditionFailure.
// Protobuf only, so core code (workers, execution) can use it without gRPC.
#pragma once

#include "common/status.h"
#include "google/rpc/status.pb.h"

namespace kiln {

google::rpc::Status ToRpcStatus(const Status& status);

}  // namespace kiln
