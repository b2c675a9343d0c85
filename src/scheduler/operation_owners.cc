#include "scheduler/operation_owners.h"

#include <algorithm>

namespace kiln {

void OperationOwners::Add(const std::string& principal) {
  auto it = std::find(names_.begin(), names_.end(), principal);
  if (it != names_.end()) {
    std::rotate(it, it + 1, names_.end());
    return;
  }
  if (names_.size() >= kMaxOwners) names_.erase(names_.begin());
  names_.push_back(principal);
}

bool OperationOwners::Contains(const std::string& principal) const {
  return std::find(names_.begin(), names_.end(), principal) != names_.end();
}

}  // namespace kiln
