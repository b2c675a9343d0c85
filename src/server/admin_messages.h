// Between the scheduler's operator queries (scheduler/scheduler_queries.h) and the admin
// service's messages (proto/kiln/admin/v1/admin.proto).
#pragma once

#include "kiln/admin/v1/admin.pb.h"
#include "scheduler/scheduler_queries.h"

namespace kiln {

// The operation as listings show it; `with_response` adds the whole ExecuteResponse.
::kiln::admin::v1::OperationInfo ToOperationInfo(const OperationSnapshot& snapshot, bool with_response);
::kiln::admin::v1::WorkerInfo ToWorkerInfo(const WorkerInfo& worker);
// INVALID_ARGUMENT for an unknown stage name.
StatusOr<OperationFilter> FromListRequest(const ::kiln::admin::v1::ListOperationsRequest& request);

}  // namespace kiln
