// Hints of hinted handoff: a blob that one of its owners should hold but could not take when
// it was written (the owner was down), so another node took the copy. A handoff pass
// (replica_repairer.h) takes hints and copies each blob to its owner once the owner answers.
//
// Where hints are kept decides whether they outlive the frontend that wrote them: in its
// memory (MemoryHintList), or in the farm's backplane (backplane/redis_hint_list.h), where
// any frontend's handoff pass finds them after a restart. Owners are named, not numbered,
// so that a hint survives changes of the ring.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/digest.h"

namespace kiln {

struct BlobHint {
  Digest digest;
  std::string owner;  // The storage node's name in the ring.
};

class HintList {
 public:
  virtual ~HintList() = default;
  // False when the hint was dropped: the list is full, or cannot be reached. (The ring's
  // repair pass finds such copies later.) A hint already listed is not listed twice.
  virtual bool Add(const BlobHint& hint) = 0;
  // Add for many: how many of them are listed now (added, or listed already); the rest were
  // dropped. A list kept elsewhere (the backplane's) takes them in one round trip.
  virtual size_t AddAll(const std::vector<BlobHint>& hints) {
    size_t listed = 0;
    for (const BlobHint& hint : hints) listed += Add(hint) ? 1 : 0;
    return listed;
  }
  // Removes up to `max` hints and returns them, in no particular order. Whoever takes a hint
  // owns it: one that cannot be handed off yet must be added again.
  virtual std::vector<BlobHint> Take(size_t max) = 0;
  // How many are listed (-1 when that cannot be told).
  virtual int64_t Size() const = 0;
};

// Hints in this process's memory, at most `max_hints`.
class MemoryHintList final : public HintList {
 public:
  explicit MemoryHintList(size_t max_hints) : max_hints_(max_hints) {}
  bool Add(const BlobHint& hint) override;
  std::vector<BlobHint> Take(size_t max) override;
  int64_t Size() const override;

 private:
  const size_t max_hints_;
  mutable std::mutex mutex_;
  std::deque<BlobHint> hints_;                       // Guarded by mutex_.
  std::set<std::pair<std::string, std::string>> listed_;  // (digest, owner) of hints_. Guarded by mutex_.
};

}  // namespace kiln
