#include "cas/replica_lookup.h"

#include <algorithm>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace kiln {
namespace {

class ReplicaLookup {
 public:
  ReplicaLookup(ReplicaNodes& nodes, size_t replicas, std::vector<Digest> unique, Duration timeout)
      : nodes_(nodes),
        replicas_(replicas),
        timeout_(timeout),
        unique_(std::move(unique)),
        orders_(unique_.size()),
        present_(unique_.size(), false),
        answered_(unique_.size(), false),
        owner_failed_(unique_.size(), false),
        node_failed_(nodes.size(), false) {
    for (size_t i = 0; i < unique_.size(); ++i) orders_[i] = nodes_.ring().Order(unique_[i]);
  }

  // Asks, about each blob not found yet, the nodes at positions [first, last) of its order
  // that have not failed. `only_if_owner_failed`: only about blobs an owner could not answer for.
  void AskPositions(size_t first, size_t last, bool only_if_owner_failed) {
    Questions asked(nodes_.size());
    bool any = false;
    for (size_t i = 0; i < unique_.size(); ++i) {
      if (present_[i] || (only_if_owner_failed && !owner_failed_[i])) continue;
      for (size_t r = first; r < last && r < orders_[i].size(); ++r) {
        if (node_failed_[orders_[i][r]]) {
          if (r < replicas_) owner_failed_[i] = true;
          continue;
        }
        asked[orders_[i][r]].push_back(i);
        any = true;
      }
    }
    if (any) Ask(asked);
  }

  StatusOr<std::unordered_set<Digest, DigestHash>> Missing() const {
    std::unordered_set<Digest, DigestHash> missing;
    for (size_t i = 0; i < unique_.size(); ++i) {
      if (present_[i]) continue;
      if (!answered_[i]) {
        return Status::Unavailable("no storage node that may hold blob " + unique_[i].ToString() +
                                   " answered: " + first_error_.message());
      }
      missing.insert(unique_[i]);
    }
    return missing;
  }

 private:
  using Questions = std::vector<std::vector<size_t>>;  // Per node: indexes into unique_.

  // One batched call per node with questions, all at once.
  void Ask(const Questions& asked) {
    std::vector<NodeCall> calls;
    std::vector<size_t> called;
    std::vector<std::shared_ptr<std::vector<Digest>>> answers;
    for (size_t node = 0; node < asked.size(); ++node) {
      if (asked[node].empty()) continue;
      auto question = std::make_shared<std::vector<Digest>>();
      for (size_t i : asked[node]) question->push_back(unique_[i]);
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
    std::vector<Status> results = nodes_.Run(std::move(calls), timeout_);
    for (size_t c = 0; c < results.size(); ++c) {
      if (results[c].ok()) {
        Record(asked[called[c]], *answers[c]);
      } else {
        Fail(called[c], asked[called[c]], results[c]);
      }
    }
  }

  void Record(const std::vector<size_t>& asked, const std::vector<Digest>& missing_list) {
    const std::unordered_set<Digest, DigestHash> missing(missing_list.begin(), missing_list.end());
    for (size_t i : asked) {
      answered_[i] = true;
      if (!missing.contains(unique_[i])) present_[i] = true;
    }
  }

  void Fail(size_t node, const std::vector<size_t>& asked, const Status& status) {
    node_failed_[node] = true;
    if (first_error_.ok()) first_error_ = status;
    for (size_t i : asked) {
      const auto owners_end = orders_[i].begin() + static_cast<std::ptrdiff_t>(replicas_);
      if (std::find(orders_[i].begin(), owners_end, node) != owners_end) owner_failed_[i] = true;
    }
  }

  ReplicaNodes& nodes_;
  const size_t replicas_;
  const Duration timeout_;
  const std::vector<Digest> unique_;
  std::vector<std::vector<size_t>> orders_;  // Per digest: every node, owners first.
  std::vector<bool> present_, answered_, owner_failed_;
  std::vector<bool> node_failed_;
  Status first_error_;
};

}  // namespace

StatusOr<std::vector<Digest>> FindMissingOnReplicas(ReplicaNodes& nodes, size_t replicas,
                                                    const std::vector<Digest>& digests, Duration timeout) {
  std::vector<Digest> unique;
  std::unordered_set<Digest, DigestHash> seen;
  for (const Digest& digest : digests) {
    if (!digest.IsEmptyBlob() && seen.insert(digest).second) unique.push_back(digest);
  }
  if (unique.empty()) return std::vector<Digest>();
  ReplicaLookup lookup(nodes, replicas, std::move(unique), timeout);
  // The first owner alone, first: a blob it has is present, and most are (FindMissing mostly
  // asks about blobs already uploaded), so most blobs cost one node one lookup. Then the
  // other owners, about the rest; then the other nodes, about blobs an owner could not
  // answer for (hinted copies).
  lookup.AskPositions(0, 1, false);
  if (replicas > 1) lookup.AskPositions(1, replicas, false);
  lookup.AskPositions(replicas, nodes.size(), true);
  auto missing = lookup.Missing();
  if (!missing.ok()) return missing.status();
  std::vector<Digest> result;
  for (const Digest& digest : digests) {
    if (missing->contains(digest)) result.push_back(digest);
  }
  return result;
}

}  // namespace kiln
