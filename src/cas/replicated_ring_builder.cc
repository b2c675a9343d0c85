#include "cas/replicated_ring_builder.h"

#include <vector>

namespace kiln {
namespace {

// A ring and the node stores it calls, kept alive together.
struct RingStores {
  std::vector<std::shared_ptr<BlobStore>> nodes;
  std::unique_ptr<ReplicatedBlobStore> store;
};

}  // namespace

ReplicatedRingBuilder::ReplicatedRingBuilder(NodeStoreFactory factory, ReplicatedBlobStoreOptions options)
    : factory_(std::move(factory)), options_(std::move(options)) {}

StatusOr<std::shared_ptr<BlobStore>> ReplicatedRingBuilder::Build(const StorageRingConfig& ring) {
  if (ring.nodes.empty()) return Status::InvalidArgument("a storage ring needs at least one node");
  auto stores = std::make_shared<RingStores>();
  std::map<std::string, std::shared_ptr<BlobStore>> by_name;
  std::vector<ReplicatedNode> nodes;
  for (const RingNode& node : ring.nodes) {
    std::shared_ptr<BlobStore> store;
    if (auto known = node_stores_.find(node.name); known != node_stores_.end()) {
      store = known->second;
    } else {
      auto made = factory_(node.name);
      if (!made.ok()) return made.status().WithContext("reaching storage node " + node.name);
      store = std::move(made).value();
    }
    by_name[node.name] = store;
    stores->nodes.push_back(store);
    nodes.push_back({node, store.get()});
  }
  ReplicatedBlobStoreOptions options = options_;
  options.replicas = ring.replicas;
  auto replicated = ReplicatedBlobStore::Create(std::move(nodes), options);
  if (!replicated.ok()) return replicated.status();
  stores->store = std::move(replicated).value();
  node_stores_ = std::move(by_name);
  BlobStore* const front = stores->store.get();
  return std::shared_ptr<BlobStore>(std::move(stores), front);
}

}  // namespace kiln
