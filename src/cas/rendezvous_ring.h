// Where a blob lives in a CAS spread over storage nodes: a pure function of the blob's
// digest and the ring (the nodes, each with a weight), by weighted rendezvous hashing
// (highest random weight). Every node gets a pseudo-random score for every digest, scaled by
// its weight (the logarithmic method: score = weight / -ln(u), u uniform in (0,1) from a hash
// of node and digest), and the R highest-scoring nodes own the blob, best first; the rest of
// the order is where a write goes when owners are down, and where a read looks next.
//
// Why rendezvous rather than a hash ring with virtual nodes: there is nothing to build or
// keep in sync (any process with the same node list computes the same owners), adding or
// removing a node moves only the blobs whose owners change (about 1/N of them, never a
// reshuffle), the shares follow the weights exactly in expectation, and with a handful of
// storage nodes scoring each one is cheaper than a ring lookup is to maintain.
//
// A node is known by its name (e.g. its target, "grpcs://storage-3:8980"): the same name
// gives the same placement in every process and every kiln version, so names must be stable
// and weights must agree across the farm.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/digest.h"
#include "common/status.h"

namespace kiln {

struct RingNode {
  std::string name;
  double weight = 1.0;  // Relative share of the blobs; > 0.
};

class RendezvousRing {
 public:
  // INVALID_ARGUMENT for no nodes, an empty or repeated name, or a weight that is not a
  // positive finite number.
  static StatusOr<RendezvousRing> Create(std::vector<RingNode> nodes);

  // Indexes into nodes(), the owners first: every node, in the order a blob's reads and
  // writes try them.
  std::vector<size_t> Order(const Digest& digest) const;
  // Order, written into `out`, without allocating for rings of up to 64 nodes: for callers
  // that place many digests at once. REQUIRES: out.size() == nodes().size().
  void OrderInto(const Digest& digest, std::span<size_t> out) const;
  // The first `replicas` of Order (all nodes if there are fewer).
  std::vector<size_t> Owners(const Digest& digest, size_t replicas) const;
  // The index of the highest-scoring node alone (Owners(digest, 1)[0], without the sort).
  size_t Primary(const Digest& digest) const;

  const std::vector<RingNode>& nodes() const { return nodes_; }

 private:
  explicit RendezvousRing(std::vector<RingNode> nodes);
  double Score(size_t node, uint64_t key) const;

  std::vector<RingNode> nodes_;
  std::vector<uint64_t> seeds_;  // One per node, from its name.
};

// The 64 bits of a digest that placement uses: its hash's first 16 hex digits (a digest's
// hash is uniformly distributed already), with the function mixed in.
uint64_t PlacementKey(const Digest& digest);

}  // namespace kiln
