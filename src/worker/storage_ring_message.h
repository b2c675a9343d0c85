// The storage ring on the worker stream (SchedulerMessage.storage_ring in
// proto/kiln/worker/v1/worker.proto): the frontend turns its ring into the message, the
// worker turns the message back into a ring it can build its own ReplicatedBlobStore from.
// The worker checks what it is sent: a frontend is trusted to name the nodes, not to
// crash the worker with a ring that placement would refuse.
#pragma once

#include "cas/storage_ring_config.h"
#include "common/status.h"
#include "kiln/worker/v1/worker.pb.h"

namespace kiln {

::kiln::worker::v1::StorageRing StorageRingMessage(const StorageRingConfig& ring);
// INVALID_ARGUMENT for no nodes, a node without a target, a repeated target, a weight
// that is not a positive finite number, or a replication of 0.
StatusOr<StorageRingConfig> StorageRingFromMessage(const ::kiln::worker::v1::StorageRing& message);

}  // namespace kiln
