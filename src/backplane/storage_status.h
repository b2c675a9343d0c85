// What an operator asks of a farm's storage tier: its nodes (weight, alive or not, blobs
// and bytes held), which frontend runs the repair pass, and how far that pass is. One core
// query, shared by whatever shows it (the frontend's own lines, `kiln admin storage status`).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backplane/repair_record.h"
#include "backplane/storage_directory.h"
#include "cas/blob_listing.h"

namespace kiln {

struct StorageNodeStatus {
  std::string name;
  double weight = 1;
  bool alive = false;
  // From the node's listing totals; unknown (-1) when it could not be asked (`error`).
  int64_t blobs = -1;
  int64_t bytes = -1;
  std::string error;
};

struct StorageRingStatus {
  std::vector<StorageNodeStatus> nodes;
  std::string repair_holder;  // Who holds the repair lease; "" if nobody.
  RepairRecord repair;        // The last pass's record (state kNone: never run).
};

// The lister of a node, by name (a remote lister in production).
using NodeListerFor = std::function<StatusOr<std::shared_ptr<BlobLister>>(const std::string& name)>;

// Asks the directory, each node in turn (a ListBlobs of no blobs: its totals) and the
// repair record. UNAVAILABLE when the backplane cannot
// be read; a node that cannot be asked has its error in its entry.
StatusOr<StorageRingStatus> QueryStorageRing(const StorageDirectory& directory, redis::RedisClient* client,
                                             const std::string& key_namespace, const NodeListerFor& listers);

// Human-readable lines (aligned columns), for logs and a CLI.
std::vector<std::string> FormatStorageRingStatus(const StorageRingStatus& status);

}  // namespace kiln
