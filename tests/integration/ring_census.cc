#include "ring_census.h"

#include <algorithm>
#include <sstream>

#include "cas/rendezvous_ring.h"
#include "kiln/storage/v1/storage_node.grpc.pb.h"

namespace kiln_test {
namespace {

namespace storage = kiln::storage::v1;

struct Listing {
  std::unordered_set<std::string> hashes;
  int64_t total_blobs = 0;
  int64_t total_bytes = 0;
};

::testing::AssertionResult ListNode(KilnProcess& node, Listing* listing) {
  auto stub = storage::StorageNode::NewStub(node.channel());
  std::string token;
  do {
    grpc::ClientContext context;
    SetDeadline(&context);
    storage::ListBlobsRequest request;
    request.set_page_token(token);
    request.set_page_size(10'000);
    storage::ListBlobsResponse response;
    grpc::Status status = stub->ListBlobs(&context, request, &response);
    if (!status.ok()) return ::testing::AssertionFailure() << node.address() << " ListBlobs: " << Describe(status);
    for (const storage::ListedBlob& blob : response.blobs()) listing->hashes.insert(blob.digest().hash());
    listing->total_blobs = response.total_blobs();
    listing->total_bytes = response.total_bytes();
    token = response.next_page_token();
  } while (!token.empty());
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult TakeCensus(const std::vector<CensusNode>& nodes, const std::vector<kiln::Digest>& blobs,
                                      size_t replicas, RingCensus* census) {
  std::vector<kiln::RingNode> ring_nodes;
  for (const CensusNode& node : nodes) ring_nodes.push_back({node.name(), node.weight});
  auto ring = kiln::RendezvousRing::Create(ring_nodes);
  if (!ring.ok()) return ::testing::AssertionFailure() << ring.status().ToString();
  std::vector<Listing> listings(nodes.size());
  *census = RingCensus();
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (auto listed = ListNode(*nodes[i].process, &listings[i]); !listed) return listed;
    NodeCount count;
    count.name = nodes[i].name();
    count.listed_blobs = listings[i].total_blobs;
    count.listed_bytes = listings[i].total_bytes;
    census->nodes.push_back(count);
  }
  for (const kiln::Digest& digest : blobs) {
    const std::vector<size_t> owners = ring->Owners(digest, replicas);
    size_t copies = 0;
    for (size_t i = 0; i < nodes.size(); ++i) {
      const bool holds = listings[i].hashes.contains(digest.hash());
      const bool owns = std::find(owners.begin(), owners.end(), i) != owners.end();
      NodeCount& count = census->nodes[i];
      if (holds) {
        ++copies;
        ++count.held_blobs;
        count.held_bytes += digest.size();
      }
      if (holds && owns) {
        ++count.owned_blobs;
        count.owned_bytes += digest.size();
      }
      if (owns && !holds) ++census->owner_copies_missing;
    }
    if (copies < replicas) ++census->under_replicated;
    if (copies == 0) ++census->lost;
  }
  return ::testing::AssertionSuccess();
}

std::string Describe(const RingCensus& census) {
  std::ostringstream out;
  for (const NodeCount& node : census.nodes) {
    out << "  " << node.name << ": owns " << node.owned_blobs << " blobs (" << node.owned_bytes << " B), holds "
        << node.held_blobs << " (" << node.held_bytes << " B); listed " << node.listed_blobs << " blobs, "
        << node.listed_bytes << " B\n";
  }
  out << "  under-replicated " << census.under_replicated << ", lost " << census.lost << ", owner copies missing "
      << census.owner_copies_missing << "\n";
  return out.str();
}

}  // namespace kiln_test
