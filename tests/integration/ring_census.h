// Which storage nodes hold which blobs, from each node's own listing (StorageNode.ListBlobs,
// page by page), and which of those copies each node owns under the ring the frontends place
// blobs on: how the large ring tests count copies and shares of thousands of blobs with a few
// calls per node, without asking through a frontend (which answers for the ring as a whole).
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "test_util.h"

namespace kiln_test {

// A live storage node as the ring knows it.
struct CensusNode {
  KilnProcess* process = nullptr;
  double weight = 1.0;

  // Its name in the ring: a node joins under its listening address by default.
  std::string name() const { return "grpc://" + process->address(); }
};

struct NodeCount {
  std::string name;
  int64_t listed_blobs = 0;  // Everything the node holds, by its listing's totals.
  int64_t listed_bytes = 0;
  int64_t held_blobs = 0;  // Of the blobs asked about: those it holds,
  int64_t held_bytes = 0;
  int64_t owned_blobs = 0;  // and those it holds and owns under the ring.
  int64_t owned_bytes = 0;
};

struct RingCensus {
  std::vector<NodeCount> nodes;  // In the order given.
  int64_t under_replicated = 0;  // Blobs held by fewer than `replicas` nodes.
  int64_t lost = 0;              // Blobs held by no node.
  int64_t owner_copies_missing = 0;  // (blob, owner) pairs where the owner lacks the blob.
};

// Lists every node (all of them must answer) and counts `blobs` on them. The ring is
// `nodes` with their weights; `replicas` owners per blob.
::testing::AssertionResult TakeCensus(const std::vector<CensusNode>& nodes, const std::vector<kiln::Digest>& blobs,
                                      size_t replicas, RingCensus* census);

// One line per node, for the test's output.
std::string Describe(const RingCensus& census);

}  // namespace kiln_test
