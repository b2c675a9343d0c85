// The principals an operation belongs to: the one that created it and those whose identical
// requests joined it. Bounded: a popular action (the same target built by every CI job) can
// be joined by many principals, and JWT subjects are not a closed set, so an unbounded list
// would let joiners grow one operation's record without limit. Beyond kMaxOwners the least
// recently joined name is forgotten: its client keeps the watch it already has (Execute's
// stream is not cut), and only a later WaitExecution or GetOperation finds the name
// NOT_FOUND, upon which the client executes again and joins (or hits the cache). A name
// that joins again moves to the most recent place.
//
// Not thread-safe: the scheduler's lock guards it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kiln {

class OperationOwners {
 public:
  static constexpr size_t kMaxOwners = 64;

  void Add(const std::string& principal);
  // O(kMaxOwners) string comparisons; called once per lookup by name, not per listener.
  bool Contains(const std::string& principal) const;
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;  // Least recently added first.
};

}  // namespace kiln
