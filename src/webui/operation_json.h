// An operation as the web UI's pages show it: the list's row (name, instance, stage, action
// digest, worker, exit code, status) and, for its own page, the timestamps of each phase
// (queued, input staging, execution, output upload) from ExecutedActionMetadata, which the
// browser turns into the per-phase duration bar.
#pragma once

#include "scheduler/operation.h"
#include "webui/json_writer.h"

namespace kiln {

// A digest as {"function": "sha256", "hash": ..., "size": N}: what /blob/ links are made of.
void WriteDigest(JsonWriter& json, const Digest& digest);
void WriteDigest(JsonWriter& json, DigestFunction function, const reapi::Digest& digest);

// The row of the operations list. "failed" is true for a finished operation that did not
// end with exit code 0 (an error status, or a non-zero exit).
void WriteOperationSummary(JsonWriter& json, const OperationSnapshot& snapshot);

// The phases' timestamps in unix milliseconds, null for those not reached yet:
// {"queued", "worker_start", "input_fetch_start", "input_fetch_completed", "execution_start",
//  "execution_completed", "output_upload_start", "output_upload_completed",
//  "worker_completed"}.
void WriteTimestamps(JsonWriter& json, const reapi::ExecutedActionMetadata& metadata);

// Whether a finished operation failed (see WriteOperationSummary).
bool OperationFailed(const OperationSnapshot& snapshot);

// The metadata that tells the most: the result's once done, else the partial one.
const reapi::ExecutedActionMetadata& MetadataOf(const OperationSnapshot& snapshot);

}  // namespace kiln
