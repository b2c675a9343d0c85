#include "client/storage_node_stores.h"

#include "client/client_channel.h"
#include "client/farm_channel.h"
#include "client/remote_blob_store.h"

namespace kiln {
namespace {

// A node's store with the channels it calls through, alive together.
struct NodeStore {
  std::shared_ptr<const ClientChannelFactory> channels;
  std::unique_ptr<BlobStore> store;
};

}  // namespace

NodeStoreFactory RemoteNodeStores(ClientConnectionOptions connection) {
  return [connection = std::move(connection)](const std::string& target) -> StatusOr<std::shared_ptr<BlobStore>> {
    ClientConnectionOptions node = connection;
    node.target = target;
    auto channels = ClientChannelFactory::Create(node);
    if (!channels.ok()) return channels.status().WithContext("connecting to the storage node " + target);
    auto held = std::make_shared<NodeStore>();
    held->channels = std::move(channels).value();
    RemoteBlobStoreOptions options;
    options.verify_writes = false;  // The node checks every blob before it publishes it.
    held->store = NewRemoteBlobStore(NewFarmChannel(*held->channels), options);
    BlobStore* store = held->store.get();
    return std::shared_ptr<BlobStore>(std::move(held), store);
  };
}

}  // namespace kiln
