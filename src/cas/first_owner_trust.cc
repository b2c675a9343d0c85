#include "cas/first_owner_trust.h"

namespace kiln {

FirstOwnerTrust::FirstOwnerTrust(const ReplicaNodes& nodes, const Clock* clock, FirstOwnerTrustOptions options)
    : nodes_(nodes), clock_(clock), options_(options), states_(nodes.size()) {
  for (size_t node = 0; node < nodes.size(); ++node) states_[node].failures_seen = nodes.failures(node);
}

void FirstOwnerTrust::NoteFailures(TimePoint now) {
  for (size_t node = 0; node < states_.size(); ++node) {
    const uint32_t failures = nodes_.failures(node);
    if (failures == states_[node].failures_seen) continue;
    states_[node] = {failures, now + options_.distrust_for, 0};
  }
}

std::vector<bool> FirstOwnerTrust::Plan() {
  std::vector<bool> trusted(states_.size(), false);
  if (!options_.enabled) return trusted;
  std::lock_guard lock(mutex_);
  const TimePoint now = clock_->Now();
  NoteFailures(now);
  if (options_.confirm_one_in > 0 && calls_++ % static_cast<uint64_t>(options_.confirm_one_in) == 0) return trusted;
  for (size_t node = 0; node < states_.size(); ++node) {
    const NodeState& state = states_[node];
    trusted[node] = now >= state.distrusted_until && state.clean_confirmations >= options_.proof;
  }
  return trusted;
}

void FirstOwnerTrust::Confirmed(const std::vector<uint32_t>& claimed, const std::vector<uint32_t>& contradicted) {
  if (!options_.enabled) return;
  std::lock_guard lock(mutex_);
  const TimePoint now = clock_->Now();
  NoteFailures(now);
  for (size_t node = 0; node < states_.size() && node < claimed.size(); ++node) {
    NodeState& state = states_[node];
    if (contradicted[node] > 0) {
      state.distrusted_until = now + options_.distrust_for;
      state.clean_confirmations = 0;
    } else if (claimed[node] > 0 && state.clean_confirmations < options_.proof) {
      ++state.clean_confirmations;
    }
  }
}

}  // namespace kiln
