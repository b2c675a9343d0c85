#include "cas/rendezvous_ring.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/hex_digit.h"

namespace kiln {
namespace {

// MurmurHash3's 64-bit finalizer: every input bit affects every output bit.
uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// FNV-1a over the name, then mixed: a fixed function of the bytes, the same in every
// process (std::hash is not guaranteed to be).
uint64_t SeedOf(const std::string& name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return Mix(h);
}

}  // namespace

uint64_t PlacementKey(const Digest& digest) {
  uint64_t key = 0;
  const std::string& hash = digest.hash();
  for (size_t i = 0; i < 16 && i < hash.size(); ++i) key = (key << 4) | static_cast<uint64_t>(HexDigitValue(hash[i]));
  return key ^ Mix(static_cast<uint64_t>(digest.function()) + 1);
}

StatusOr<RendezvousRing> RendezvousRing::Create(std::vector<RingNode> nodes) {
  if (nodes.empty()) return Status::InvalidArgument("the storage ring has no nodes");
  std::set<std::string> names;
  for (const RingNode& node : nodes) {
    if (node.name.empty()) return Status::InvalidArgument("a storage node has an empty name");
    if (!names.insert(node.name).second) {
      return Status::InvalidArgument("storage node \"" + node.name + "\" is in the ring twice");
    }
    if (!std::isfinite(node.weight) || node.weight <= 0) {
      return Status::InvalidArgument("storage node \"" + node.name + "\" has weight " + std::to_string(node.weight) +
                                     "; weights must be positive");
    }
  }
  return RendezvousRing(std::move(nodes));
}

RendezvousRing::RendezvousRing(std::vector<RingNode> nodes) : nodes_(std::move(nodes)) {
  seeds_.reserve(nodes_.size());
  for (const RingNode& node : nodes_) seeds_.push_back(SeedOf(node.name));
}

double RendezvousRing::Score(size_t node, uint64_t key) const {
  // Two rounds, so that neighbouring keys and neighbouring seeds give unrelated scores.
  const uint64_t bits = Mix(Mix(key ^ seeds_[node]) + seeds_[node]);
  // 53 bits into (0, 1]: never 0, whose logarithm is -inf.
  const double u = (static_cast<double>(bits >> 11) + 1.0) * 0x1.0p-53;
  // -ln(u) is exponentially distributed; weight / -ln(u) is largest for node i with
  // probability weight_i / sum of weights. u == 1 gives +inf: that node wins, as it should.
  return nodes_[node].weight / -std::log(u);
}

std::vector<size_t> RendezvousRing::Order(const Digest& digest) const {
  std::vector<size_t> order(nodes_.size());
  OrderInto(digest, order);
  return order;
}

void RendezvousRing::OrderInto(const Digest& digest, std::span<size_t> out) const {
  constexpr size_t kOnStack = 64;
  const uint64_t key = PlacementKey(digest);
  std::pair<double, size_t> on_stack[kOnStack];
  std::vector<std::pair<double, size_t>> on_heap;
  std::span<std::pair<double, size_t>> scored(on_stack, std::min(nodes_.size(), kOnStack));
  if (nodes_.size() > kOnStack) {
    on_heap.resize(nodes_.size());
    scored = on_heap;
  }
  for (size_t i = 0; i < nodes_.size(); ++i) scored[i] = {Score(i, key), i};
  // Ties (practically impossible) go to the earlier name, so every process agrees.
  std::sort(scored.begin(), scored.end(), [this](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return nodes_[a.second].name < nodes_[b.second].name;
  });
  for (size_t i = 0; i < scored.size(); ++i) out[i] = scored[i].second;
}

std::vector<size_t> RendezvousRing::Owners(const Digest& digest, size_t replicas) const {
  std::vector<size_t> order = Order(digest);
  if (order.size() > replicas) order.resize(replicas);
  return order;
}

size_t RendezvousRing::Primary(const Digest& digest) const {
  const uint64_t key = PlacementKey(digest);
  size_t best = 0;
  double best_score = Score(0, key);
  for (size_t i = 1; i < nodes_.size(); ++i) {
    const double score = Score(i, key);
    if (score > best_score || (score == best_score && nodes_[i].name < nodes_[best].name)) {
      best = i;
      best_score = score;
    }
  }
  return best;
}

}  // namespace kiln
