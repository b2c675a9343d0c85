#include "cas/replica_lookup.h"

#include <algorithm>
#include <memory>
#include <span>
#include <unordered_set>

namespace kiln {
namespace {

// The state of one FindMissing. Blobs are indexes into the caller's digests. Placement orders are computed only for blobs that need more
// than their first owner, since most FindMissing calls ask about blobs that are present.
class ReplicaLookup {
 public:
  ReplicaLookup(ReplicaNodes& nodes, size_t replicas, const std::vector<Digest>& digests, Duration timeout,
                const PresenceMemory& memory)
      : nodes_(nodes),
        replicas_(replicas),
        timeout_(timeout),
        memory_(memory),
        digests_(digests),
        ordered_(digests.size(), false),
        present_(digests.size(), false),
        answered_(digests.size(), false),
        first_said_missing_(digests.size(), false),
        primary_(digests.size(), 0),
        owner_failed_(digests.size(), false),
        node_failed_(nodes.size(), false) {
    for (size_t i = 0; i < digests.size(); ++i) present_[i] = digests[i].IsEmptyBlob();
    if (memory_.record != nullptr && memory_.answer_from_record) {
      const TimePoint now = memory_.clock->Now();
      for (size_t i = 0; i < digests.size(); ++i) {
        if (!present_[i] && memory_.record->Present(digests[i], now)) present_[i] = true;
      }
    }
    MarkDuplicates();
  }

  void AskFirstOwners() {
    Questions asked(nodes_.size());
    for (size_t i = 0; i < digests_.size(); ++i) {
      if (present_[i]) continue;
      primary_[i] = nodes_.ring().Primary(digests_[i]);
      asked[primary_[i]].push_back(i);
    }
    Ask(asked, /*owners=*/true);
    for (size_t i = 0; i < digests_.size(); ++i) first_said_missing_[i] = answered_[i] && !present_[i];
  }

  // Asks, about each blob not found yet, the nodes at positions [first, last) of its order
  // that have not failed. `only_if_owner_failed`: only about blobs an owner could not answer
  // for. `final_first[node]`: not about blobs that `node`, their first owner, said it lacks.
  void AskPositions(size_t first, size_t last, bool only_if_owner_failed, const std::vector<bool>& final_first = {}) {
    Questions asked(nodes_.size());
    for (size_t i = 0; i < digests_.size(); ++i) {
      if (present_[i] || (only_if_owner_failed && !owner_failed_[i])) continue;
      if (first_said_missing_[i] && !final_first.empty() && final_first[primary_[i]]) continue;
      std::span<const size_t> order = OrderOf(i);
      for (size_t r = first; r < last && r < order.size(); ++r) {
        if (!node_failed_[order[r]]) {
          asked[order[r]].push_back(i);
        } else if (r < replicas_) {
          owner_failed_[i] = true;
        }
      }
    }
    Ask(asked, /*owners=*/last <= replicas_);
  }

  // Per node, of the blobs it said it lacks as their first owner and that others were then
  // asked about: how many (`claimed`), and how many another node had (`contradicted`).
  void CountFirstOwnerClaims(const std::vector<bool>& final_first, std::vector<uint32_t>& claimed,
                             std::vector<uint32_t>& contradicted) const {
    claimed.assign(nodes_.size(), 0);
    contradicted.assign(nodes_.size(), 0);
    for (size_t i = 0; i < digests_.size(); ++i) {
      if (!first_said_missing_[i] || (!final_first.empty() && final_first[primary_[i]])) continue;
      ++claimed[primary_[i]];
      if (present_[i]) ++contradicted[primary_[i]];
    }
  }

  // Whether blob i is missing; UNAVAILABLE if no node that may hold it answered.
  StatusOr<bool> Missing(size_t i) const {
    if (first_of_[i] != i) return Missing(first_of_[i]);
    if (present_[i]) return false;
    if (answered_[i]) return true;
    return Status::Unavailable("no storage node that may hold blob " + digests_[i].ToString() +
                               " answered: " + first_error_.message());
  }

 private:
  using Questions = std::vector<std::vector<size_t>>;  // Per node: indexes into digests_.

  // A digest listed twice is asked about once (under its first index; the others are set
  // aside as present), so that every node's answer lists each digest asked at most once.
  // Blobs already known present are not asked about at all.
  void MarkDuplicates() {
    first_of_.resize(digests_.size());
    // Sorted by placement key (64 bits of the hash), equal digests end up next to each other.
    std::vector<std::pair<uint64_t, size_t>> sorted;
    for (size_t i = 0; i < digests_.size(); ++i) {
      first_of_[i] = i;
      if (!present_[i]) sorted.emplace_back(PlacementKey(digests_[i]), i);
    }
    std::sort(sorted.begin(), sorted.end());
    for (size_t k = 1; k < sorted.size(); ++k) {
      const size_t later = sorted[k].second, earlier = sorted[k - 1].second;
      if (digests_[later] == digests_[earlier]) {
        first_of_[later] = first_of_[earlier];
        present_[later] = true;  // Not asked about; Missing() answers for its first.
      }
    }
  }

  std::span<const size_t> OrderOf(size_t i) {
    const size_t n = nodes_.size();
    if (orders_.empty()) orders_.resize(digests_.size() * n);  // One allocation for all.
    std::span<size_t> order(orders_.data() + i * n, n);
    if (!ordered_[i]) {
      nodes_.ring().OrderInto(digests_[i], order);
      ordered_[i] = true;
    }
    return order;
  }

  // One batched call per node with questions, all at once. Each call gets its own copy of
  // its digests: one abandoned past its deadline may outlive the caller's.
  void Ask(const Questions& asked, bool owners) {
    std::vector<NodeCall> calls;
    std::vector<size_t> called;
    std::vector<std::shared_ptr<std::vector<Digest>>> answers;
    for (size_t node = 0; node < asked.size(); ++node) {
      if (asked[node].empty()) continue;
      auto question = std::make_shared<std::vector<Digest>>();
      question->reserve(asked[node].size());
      for (size_t i : asked[node]) question->push_back(digests_[i]);
      auto answer = std::make_shared<std::vector<Digest>>();
      calls.push_back({node, [question, answer](BlobStore& store) {
                         auto missing = store.FindMissingOrError(*question);
                         if (!missing.ok()) return missing.status();
                         *answer = std::move(missing).value();
                         return Status::Ok();
                       }});
      called.push_back(node);
      answers.push_back(std::move(answer));
    }
    if (calls.empty()) return;
    // Before asking: a node's pin starts when it answers, which is later (presence_record.h).
    const TimePoint asked_at = memory_.record != nullptr ? memory_.clock->Now() : TimePoint();
    std::vector<uint32_t> failures_before;
    for (size_t node : called) failures_before.push_back(nodes_.failures(node));
    std::vector<Status> results = nodes_.Run(std::move(calls), timeout_);
    for (size_t c = 0; c < results.size(); ++c) {
      const std::vector<size_t>& questions = asked[called[c]];
      if (!results[c].ok()) {
        node_failed_[called[c]] = true;
        if (first_error_.ok()) first_error_ = results[c];
        if (owners) {
          for (size_t i : questions) owner_failed_[i] = true;
        }
        continue;
      }
      Record(questions, *answers[c], called[c], asked_at, failures_before[c]);
    }
  }

  // Stores answer their missing digests in the order asked (a subsequence of the question),
  // so one walk along both finds them; a store that answers otherwise costs a hash set.
  void Record(const std::vector<size_t>& questions, const std::vector<Digest>& missing, size_t node,
              TimePoint asked_at, uint32_t failures) {
    size_t next = 0;
    std::vector<bool> found(questions.size(), false);
    for (size_t q = 0; q < questions.size(); ++q) {
      if (next < missing.size() && missing[next] == digests_[questions[q]]) {
        found[q] = true;
        ++next;
      }
    }
    if (next != missing.size()) {
      const std::unordered_set<Digest, DigestHash> set(missing.begin(), missing.end());
      for (size_t q = 0; q < questions.size(); ++q) found[q] = set.contains(digests_[questions[q]]);
    }
    for (size_t q = 0; q < questions.size(); ++q) {
      answered_[questions[q]] = true;
      if (found[q]) continue;
      present_[questions[q]] = true;
      if (memory_.record != nullptr) memory_.record->Record(digests_[questions[q]], node, asked_at, failures);
    }
  }

  ReplicaNodes& nodes_;
  const size_t replicas_;
  const Duration timeout_;
  const PresenceMemory memory_;
  const std::vector<Digest>& digests_;
  // Per blob, once needed: every node, owners first; nodes_.size() entries per blob.
  std::vector<size_t> orders_;
  std::vector<bool> ordered_;
  std::vector<size_t> first_of_;  // Per blob: the index it is asked about under.
  std::vector<bool> present_, answered_, first_said_missing_, owner_failed_;
  std::vector<size_t> primary_;  // Per blob asked about in the first round: its first owner.
  std::vector<bool> node_failed_;
  Status first_error_;
};

}  // namespace

StatusOr<std::vector<Digest>> FindMissingOnReplicas(ReplicaNodes& nodes, size_t replicas,
                                                    const std::vector<Digest>& digests, Duration timeout,
                                                    const PresenceMemory& memory) {
  ReplicaLookup lookup(nodes, replicas, digests, timeout, memory);
  // Trust is only for answers that may be checked again: not for FindMissingConfirmed's.
  FirstOwnerTrust* trust = memory.answer_from_record ? memory.trust : nullptr;
  const std::vector<bool> final_first = trust != nullptr ? trust->Plan() : std::vector<bool>();
  // The first owner alone, first: a blob it has is present, and most are (FindMissing mostly
  // asks about blobs already uploaded), so most blobs cost one node one lookup. Then the
  // other owners, about the rest (but for first owners trusted to know what they lack);
  // then the other nodes, about blobs an owner could not answer for (hinted copies).
  lookup.AskFirstOwners();
  if (replicas > 1) lookup.AskPositions(1, replicas, false, final_first);
  lookup.AskPositions(replicas, nodes.size(), true);
  if (trust != nullptr && replicas > 1) {
    std::vector<uint32_t> claimed, contradicted;
    lookup.CountFirstOwnerClaims(final_first, claimed, contradicted);
    trust->Confirmed(claimed, contradicted);
  }
  std::vector<Digest> missing;
  for (size_t i = 0; i < digests.size(); ++i) {
    auto is_missing = lookup.Missing(i);
    if (!is_missing.ok()) return is_missing.status();
    if (*is_missing) missing.push_back(digests[i]);
  }
  return missing;
}

}  // namespace kiln
