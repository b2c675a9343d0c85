// Builds the google.longrunning.Operation a client sees from the scheduler's snapshot:
// ExecuteOperationMetadata in `metadata`, and once done the ExecuteResponse in `response`
// (never `error`: REAPI puts execution errors in ExecuteResponse.status).
#pragma once

#include "google/longrunning/operations.pb.h"
#include "scheduler/operation.h"

namespace kiln {

google::longrunning::Operation ToOperationMessage(const OperationSnapshot& snapshot);
// The operation as it looks right after the cache check, before the scheduler reports.
google::longrunning::Operation CacheCheckMessage(const std::string& name, const Digest& action_digest);

}  // namespace kiln
