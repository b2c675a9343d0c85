// Hints of hinted handoff on the worker stream (WorkerMessage.storage_hints in
// proto/kiln/worker/v1/worker.proto): a worker that writes to the storage ring itself sends
// the hints its writes left (worker/forwarding_hint_list.h), and its frontend turns them back
// into hints for its own list (server/worker_hint_intake.h), checking each: a worker is not
// trusted to name a valid blob.
#pragma once

#include <vector>

#include "cas/hint_list.h"
#include "common/status.h"
#include "kiln/worker/v1/worker.pb.h"

namespace kiln {

// The most hints one message carries: a worker sends no more, a frontend takes no more.
inline constexpr size_t kMaxStorageHintsPerMessage = 1000;

::kiln::worker::v1::StorageHints StorageHintsMessage(const std::vector<BlobHint>& hints);
// INVALID_ARGUMENT for a hint without an owner, or whose digest is not one.
StatusOr<BlobHint> StorageHintFromMessage(const ::kiln::worker::v1::StorageHint& message);

}  // namespace kiln
