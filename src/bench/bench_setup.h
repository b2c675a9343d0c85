// Synchronous calls that put a server into the state a scenario needs before its clock
// starts: blobs in the CAS, results in the action cache, an action executed once.
#pragma once

#include <string>
#include <vector>

#include "bench/bench_target.h"
#include "bench/scenario.h"
#include "common/digest.h"

namespace kiln {

// Uploads the blobs with BatchUpdateBlobs, in calls of at most about 1 MiB of data (under
// any server's batch limit). Each call and each blob must succeed.
// Blobs up to 1 MiB go in batches, larger ones through ByteStream Write.
Status UploadBlobs(BenchTarget& target, const std::vector<std::string>& blobs);
// Uploads one serialized message and returns its digest.
StatusOr<Digest> UploadMessage(BenchTarget& target, const google::protobuf::Message& message);
Status UpdateActionResult(BenchTarget& target, const Digest& action_digest, const reapi::ActionResult& result);
// Runs Execute to completion and returns its response; the call status and the
// response's status must be OK.
StatusOr<reapi::ExecuteResponse> ExecuteToCompletion(BenchTarget& target, const Digest& action_digest);

// Turns a successful ExecuteResponse into ok, anything else into the error to report.
OpResult CheckExecuteResponse(const reapi::ExecuteResponse& response);

}  // namespace kiln
