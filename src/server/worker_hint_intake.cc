#include "server/worker_hint_intake.h"

#include <algorithm>
#include <string>
#include <vector>

#include "cas/rendezvous_ring.h"
#include "worker/storage_hint_message.h"

namespace kiln {

WorkerHintIntake::WorkerHintIntake(const StorageRingPublisher* rings, HintList* hints,
                                   metrics::Family<metrics::Counter>* counter)
    : rings_(rings), hints_(hints) {
  if (counter) {
    listed_metric_ = &counter->WithLabels({"listed"});
    refused_metric_ = &counter->WithLabels({"refused"});
    dropped_metric_ = &counter->WithLabels({"dropped"});
  }
}

WorkerHintCounts WorkerHintIntake::Accept(const ::kiln::worker::v1::StorageHints& message) {
  WorkerHintCounts counts;
  // Placement as the frontend's ring has it: a worker hints only a blob's owners (those its
  // write had to skip), so a hint naming any other node is made up, or of another ring.
  std::optional<RendezvousRing> placement;
  size_t replicas = 0;
  if (std::optional<StorageRingConfig> current = rings_->current()) {
    auto ring = RendezvousRing::Create(current->nodes);
    if (ring.ok()) placement = std::move(ring).value();
    replicas = current->replicas;
  }
  auto owns = [&placement, replicas](const BlobHint& hint) {
    if (!placement) return false;
    for (size_t node : placement->Owners(hint.digest, replicas)) {
      if (placement->nodes()[node].name == hint.owner) return true;
    }
    return false;
  };
  int taken = 0;
  std::vector<BlobHint> valid;
  for (const auto& offered : message.hints()) {
    // Beyond the cap the rest are not even parsed: a worker sends no more than that.
    if (++taken > static_cast<int>(kMaxStorageHintsPerMessage)) {
      counts.refused += message.hints_size() - static_cast<int>(kMaxStorageHintsPerMessage);
      break;
    }
    auto hint = StorageHintFromMessage(offered);
    // Not an owner of the blob in this ring: the worker wrote to another ring, or makes
    // hints up. The empty blob is on every node by definition.
    if (!hint.ok() || hint->digest.IsEmptyBlob() || !owns(*hint)) {
      ++counts.refused;
      continue;
    }
    valid.push_back(std::move(hint).value());
  }
  // All at once: on the backplane one round trip to Redis, not one per hint.
  const size_t listed = valid.empty() ? 0 : hints_->AddAll(valid);
  counts.listed += static_cast<int64_t>(listed);
  counts.dropped += static_cast<int64_t>(valid.size() - std::min(listed, valid.size()));
  listed_ += counts.listed;
  refused_ += counts.refused;
  dropped_ += counts.dropped;
  if (listed_metric_) {
    listed_metric_->Inc(static_cast<uint64_t>(counts.listed));
    refused_metric_->Inc(static_cast<uint64_t>(counts.refused));
    dropped_metric_->Inc(static_cast<uint64_t>(counts.dropped));
  }
  return counts;
}

WorkerHintCounts WorkerHintIntake::totals() const { return {listed_.load(), refused_.load(), dropped_.load()}; }

}  // namespace kiln
