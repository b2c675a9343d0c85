#include "cas/storage_ring_config.h"

namespace kiln {

bool operator==(const StorageRingConfig& a, const StorageRingConfig& b) {
  if (a.replicas != b.replicas || a.nodes.size() != b.nodes.size()) return false;
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    if (a.nodes[i].name != b.nodes[i].name || a.nodes[i].weight != b.nodes[i].weight) return false;
  }
  return true;
}

}  // namespace kiln
