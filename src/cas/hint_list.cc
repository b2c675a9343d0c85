#include "cas/hint_list.h"

#include <algorithm>

namespace kiln {

bool MemoryHintList::Add(const BlobHint& hint) {
  std::lock_guard lock(mutex_);
  if (listed_.contains({hint.digest.ToString(), hint.owner})) return true;
  if (hints_.size() >= max_hints_) return false;
  listed_.emplace(hint.digest.ToString(), hint.owner);
  hints_.push_back(hint);
  return true;
}

std::vector<BlobHint> MemoryHintList::Take(size_t max) {
  std::lock_guard lock(mutex_);
  const size_t count = std::min(max, hints_.size());
  std::vector<BlobHint> taken(std::make_move_iterator(hints_.begin()), std::make_move_iterator(hints_.begin() + count));
  hints_.erase(hints_.begin(), hints_.begin() + count);
  for (const BlobHint& hint : taken) listed_.erase({hint.digest.ToString(), hint.owner});
  return taken;
}

int64_t MemoryHintList::Size() const {
  std::lock_guard lock(mutex_);
  return static_cast<int64_t>(hints_.size());
}

}  // namespace kiln
