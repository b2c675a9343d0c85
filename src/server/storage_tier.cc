#include "server/storage_tier.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "backplane/backplane_scheduler.h"
#include "backplane/redis_hint_list.h"
#include "cas/replicated_blob_store.h"
#include "client/client_connection_options.h"
#include "client/farm_channel.h"
#include "client/remote_blob_lister.h"
#include "client/remote_blob_store.h"
#include "client/storage_node_stores.h"
#include "client/remote_replica_peer.h"
#include "common/clock.h"

namespace kiln {
namespace {

// A node's store (and listing) with the channels it calls through, alive together.
struct NodeStore {
  std::shared_ptr<const ClientChannelFactory> channels;
  std::unique_ptr<BlobStore> store;
  std::unique_ptr<BlobLister> lister;
};

// Every node is reached with the --cas- connection flags (TLS files, token); only the
// target differs.
StatusOr<std::shared_ptr<const ClientChannelFactory>> ChannelsTo(const ServerOptions& options,
                                                                 const std::string& target) {
  ClientConnectionOptions node = options.storage;
  node.target = target;
  auto channels = ClientChannelFactory::Create(node);
  if (!channels.ok()) return channels.status().WithContext("connecting to the storage node " + target);
  return channels;
}

}  // namespace

StorageTier::~StorageTier() = default;

StatusOr<std::unique_ptr<StorageTier>> StorageTier::Open(const ServerOptions& options) {
  // A storage node's own CAS is its disk, whatever ring it is a member of.
  const bool ring =
      options.role == ServerRole::kAll && options.storage.target.empty() && !options.backplane.url.empty();
  if (options.storage.target.empty() && !ring) return std::unique_ptr<StorageTier>();
  std::unique_ptr<StorageTier> tier(new StorageTier());
  KILN_RETURN_IF_ERROR(ring ? tier->FollowRing(options) : tier->OpenNodes(options));
  return tier;
}

StatusOr<std::unique_ptr<StorageTier>> StorageTier::Join(const ServerOptions& options, const std::string& target,
                                                         DiskBlobStore* disk) {
  if (options.backplane.url.empty()) return std::unique_ptr<StorageTier>();
  std::unique_ptr<StorageTier> tier(new StorageTier());
  KILN_RETURN_IF_ERROR(tier->ConnectDirectory(options));
  Status joined = tier->directory_->Join(target, options.backplane.storage_weight);
  if (!joined.ok()) std::cerr << "kiln: " << joined.message() << " (trying again)\n";
  tier->own_name_ = target;
  tier->peer_connection_ = options.storage;
  tier->presence_ = std::make_shared<PeerPresence>();
  tier->RefreshPeers();
  // With no peers yet, eviction stays plain LRU until the first one joins.
  disk->SetReplicaPresence(tier->presence_, target);
  return tier;
}

void StorageTier::RefreshPeers() {
  auto members = directory_->List();
  if (!members.ok()) return;  // Redis away: the peers known stay, the next refresh tries again.
  std::map<std::string, std::shared_ptr<ReplicaPeer>> peers;
  for (const StorageNodeEntry& member : *members) {
    if (member.name == own_name_) continue;
    if (auto known = peers_.find(member.name); known != peers_.end()) {
      peers.emplace(member.name, known->second);
      continue;
    }
    ClientConnectionOptions connection = peer_connection_;
    connection.target = member.name;
    auto channels = ClientChannelFactory::Create(connection);
    if (!channels.ok()) {
      std::cerr << "kiln: storage node " << member.name << " left out of eviction's questions: "
                << channels.status().message() << "\n";
      continue;
    }
    struct Peer {
      std::shared_ptr<const ClientChannelFactory> channels;
      std::unique_ptr<ReplicaPeer> peer;
    };
    auto peer = std::make_shared<Peer>();
    peer->channels = std::move(channels).value();
    peer->peer = NewRemoteReplicaPeer(NewFarmChannel(*peer->channels), member.name, own_name_);
    ReplicaPeer* raw = peer->peer.get();
    peers.emplace(member.name, std::shared_ptr<ReplicaPeer>(peer, raw));
  }
  if (peers.size() == peers_.size() &&
      std::equal(peers.begin(), peers.end(), peers_.begin(), [](const auto& a, const auto& b) { return a.first == b.first; })) {
    return;
  }
  peers_ = std::move(peers);
  std::vector<NamedReplicaPeer> named;
  for (const auto& [name, peer] : peers_) named.push_back({name, peer});
  presence_->SetPeers(std::move(named));
}

Status StorageTier::ConnectDirectory(const ServerOptions& options) {
  auto address = ResolveBackplaneAddress(options.backplane);
  if (!address.ok()) return address.status();
  auto client = redis::ConnectRedis(*address, options.backplane.client);
  if (!client.ok()) return client.status().WithContext("connecting to the backplane for the storage ring");
  redis_ = std::move(client).value();
  StorageDirectoryOptions directory_options;
  directory_options.key_namespace = options.backplane.scheduler.key_namespace;
  directory_ = std::make_unique<StorageDirectory>(redis_.get(), SystemClock::Get(), directory_options);
  return Status::Ok();
}

// --cas: one node, or several replicated over.
Status StorageTier::OpenNodes(const ServerOptions& options) {
  auto targets = SplitClientTargetList(options.storage.target);
  if (!targets.ok()) return targets.status().WithContext("--cas");
  // The node's name places blobs: the same list gives the same placement on every frontend
  // (and on their workers, which are told this ring).
  StorageRingConfig ring;
  ring.replicas = std::min(static_cast<size_t>(std::max(options.storage_replication, 1)), targets->size());
  for (const std::string& target : *targets) ring.nodes.push_back(RingNode{target, 1.0});
  if (targets->size() == 1) {
    // One node: its store alone, and its channel for its action cache too.
    auto channels = ChannelsTo(options, targets->front());
    if (!channels.ok()) return channels.status();
    node_channels_.push_back(std::move(channels).value());
    // Not connected yet: a frontend may start before its storage nodes, and calls fail with
    // UNAVAILABLE until they are there.
    single_node_channel_ = NewFarmChannel(*node_channels_.back());
    node_stores_.push_back(NewRemoteBlobStore(single_node_channel_, RemoteBlobStoreOptions()));
    cas_ = node_stores_.front().get();
  } else {
    ReplicatedBlobStoreOptions replicated;
    replicated.presence.ttl = options.storage_presence_ttl;
    replicated.first_owner_trust.enabled = options.storage_presence_ttl > Duration::zero();
    replicated.repair.handoff_interval = options.storage_handoff_interval;
    // Its own, so that the hints the workers send join those of this frontend's writes.
    hints_ = std::make_unique<MemoryHintList>(replicated.repair.max_hints);
    replicated.repair.hints = hints_.get();
    ReplicatedRingBuilder builder(RemoteNodeStores(options.storage), replicated);
    auto store = builder.Build(ring);
    if (!store.ok()) return store.status().WithContext("--cas");
    static_ring_ = std::move(store).value();
    cas_ = static_ring_.get();
  }
  rings_.Publish(ring);
  return Status::Ok();
}

// --backplane without --cas: the storage nodes that joined the backplane's ring.
Status StorageTier::FollowRing(const ServerOptions& options) {
  KILN_RETURN_IF_ERROR(ConnectDirectory(options));
  ring_cas_ = std::make_unique<SwappableBlobStore>(Status::Unavailable(
      "no storage node has joined this farm's ring yet (start `kiln serve --role storage --backplane` nodes)"));
  NodeStoreFactory factory = RemoteNodeStores(options.storage);
  StorageRingFollowerOptions follower_options;
  follower_options.replicated.replicas = static_cast<size_t>(std::max(options.storage_replication, 1));
  follower_options.replicated.presence.ttl = options.storage_presence_ttl;
  // "Always ask" (ttl 0) asks every owner too.
  follower_options.replicated.first_owner_trust.enabled = options.storage_presence_ttl > Duration::zero();
  follower_options.replicated.repair.handoff_interval = options.storage_handoff_interval;
  // Hints in the backplane: a restart of this frontend, or a new ring, loses none.
  hints_ = std::make_unique<RedisHintList>(redis_.get(), options.backplane.scheduler.key_namespace,
                                           follower_options.replicated.repair.max_hints);
  follower_options.replicated.repair.hints = hints_.get();
  follower_options.on_change = [this](const StorageRingConfig& ring) { rings_.Publish(ring); };
  follower_ = std::make_unique<StorageRingFollower>(directory_.get(), std::move(factory), SystemClock::Get(),
                                                    follower_options, ring_cas_.get());
  // No node yet is not an error: the frontend serves, and its CAS calls fail with
  // UNAVAILABLE saying why, until the first node joins.
  Status first = follower_->Refresh();
  if (!first.ok()) std::cerr << "kiln: " << first.message() << "\n";
  cas_ = ring_cas_.get();
  StartRepairs(options);
  return Status::Ok();
}

// The repair pass's own channels: its copies and listings do not queue behind clients' calls.
void StorageTier::StartRepairs(const ServerOptions& options) {
  key_namespace_ = options.backplane.scheduler.key_namespace;
  repair_nodes_ = [options](const std::string& target) -> StatusOr<RepairNodeAccess> {
    auto channels = ChannelsTo(options, target);
    if (!channels.ok()) return channels.status();
    auto node = std::make_shared<NodeStore>();
    node->channels = std::move(channels).value();
    std::shared_ptr<grpc::Channel> channel = NewFarmChannel(*node->channels);
    node->store = NewRemoteBlobStore(channel, RemoteBlobStoreOptions());
    node->lister = NewRemoteBlobLister(channel, target);
    return RepairNodeAccess{std::shared_ptr<BlobStore>(node, node->store.get()),
                            std::shared_ptr<BlobLister>(node, node->lister.get())};
  };
  if (options.backplane.repair_bytes_per_second <= 0) return;
  StorageRepairOptions repair;
  repair.key_namespace = key_namespace_;
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "localhost");
  repair.runner_name = options.backplane.advertise.empty()
                           ? "frontend on " + std::string(host) + " (pid " + std::to_string(::getpid()) + ")"
                           : "frontend " + options.backplane.advertise;
  repair.replicas = static_cast<size_t>(std::max(options.storage_replication, 1));
  repair.pass.bytes_per_second = options.backplane.repair_bytes_per_second;
  repair.interval = options.backplane.repair_interval;
  StorageRingFollower* follower = follower_.get();
  RingMembersSource members = [follower]() -> StatusOr<std::vector<StorageNodeEntry>> { return follower->members(); };
  repairs_ = std::make_unique<StorageRepairRunner>(redis_.get(), std::move(members), repair_nodes_, repair);
  repairs_->Start();
}

StatusOr<StorageRingStatus> StorageTier::RingStatus() const {
  if (!follower_) return Status::FailedPrecondition("this server does not keep its CAS on the backplane's ring");
  return QueryStorageRing(*directory_, redis_.get(), key_namespace_,
                          [this](const std::string& name) -> StatusOr<std::shared_ptr<BlobLister>> {
                            auto node = repair_nodes_(name);
                            if (!node.ok()) return node.status();
                            return node->lister;
                          });
}

Status StorageTier::RemoveNode(const std::string& name) {
  if (!follower_) return Status::FailedPrecondition("this server does not keep its CAS on the backplane's ring");
  auto members = directory_->List();
  if (!members.ok()) return members.status();
  for (const StorageNodeEntry& member : *members) {
    if (member.name == name && member.alive) {
      return Status::FailedPrecondition("storage node " + name +
                                        " is alive: stop it first (a running node joins the ring again at its next "
                                        "refresh)");
    }
  }
  KILN_RETURN_IF_ERROR(directory_->Remove(name));
  // Writes stop going to it now (else at the next refresh); the repair pass follows.
  Status refreshed = follower_->Refresh();
  if (!refreshed.ok()) std::cerr << "kiln: after removing " << name << ": " << refreshed.message() << "\n";
  return Status::Ok();
}

void StorageTier::Tick() {
  if (follower_) follower_->Tick();
  if (directory_ && !follower_) directory_->Tick();
  // As often as a frontend reads the ring (every 2 s).
  if (presence_ && ++ticks_ % 2 == 0) RefreshPeers();
}

}  // namespace kiln
