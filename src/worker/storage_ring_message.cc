#include "worker/storage_ring_message.h"

#include <cmath>
#include <set>

namespace kiln {

::kiln::worker::v1::StorageRing StorageRingMessage(const StorageRingConfig& ring) {
  ::kiln::worker::v1::StorageRing message;
  message.set_replication(static_cast<uint32_t>(ring.replicas));
  for (const RingNode& node : ring.nodes) {
    auto* out = message.add_nodes();
    out->set_target(node.name);
    out->set_weight(node.weight);
  }
  return message;
}

StatusOr<StorageRingConfig> StorageRingFromMessage(const ::kiln::worker::v1::StorageRing& message) {
  if (message.replication() == 0) return Status::InvalidArgument("the storage ring asks for 0 copies of each blob");
  if (message.nodes().empty()) return Status::InvalidArgument("the storage ring has no nodes");
  StorageRingConfig ring;
  ring.replicas = message.replication();
  std::set<std::string> seen;
  for (const auto& node : message.nodes()) {
    if (node.target().empty()) return Status::InvalidArgument("a storage ring node has no target");
    if (!seen.insert(node.target()).second) {
      return Status::InvalidArgument("storage node " + node.target() + " is in the ring twice");
    }
    if (!std::isfinite(node.weight()) || node.weight() <= 0) {
      return Status::InvalidArgument("storage node " + node.target() + " has weight " +
                                     std::to_string(node.weight()) + "; weights must be positive");
    }
    ring.nodes.push_back(RingNode{node.target(), node.weight()});
  }
  return ring;
}

}  // namespace kiln
