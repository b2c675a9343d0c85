// Where a frontend keeps its CAS when it is not (only) its own disk, and a storage node's
// place in the farm:
//   - one storage node (--cas TARGET): its CAS, and its action cache over the same channel;
//   - several (--cas A,B,C): a ReplicatedBlobStore over them, --replication copies;
//   - the backplane's ring (--backplane URL without --cas): the storage nodes that joined
//     it, followed as they join and leave (backplane/storage_ring_follower.h);
//   - on a storage node started with --backplane: its membership of that ring, kept alive,
//     and the ring's other members, whom its disk store asks before it evicts
//     (DiskBlobStore::SetReplicaPresence).
// A frontend following the ring also takes its turn at the ring's repair pass
// (backplane/storage_repair_runner.h), and can say how the ring is (RingStatus).
// The frontend's disk store reads through `cas()` in every case. The ring in use is
// published (rings()) for the frontend's remote workers, which read and write the nodes
// themselves, and send back the hints their writes left (hints()).
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backplane/storage_directory.h"
#include "backplane/storage_ring_control.h"
#include "backplane/storage_repair_runner.h"
#include "backplane/storage_ring_follower.h"
#include "backplane/storage_status.h"
#include "cas/blob_store.h"
#include "cas/hint_list.h"
#include "cas/storage_ring_publisher.h"
#include "cas/disk_blob_store.h"
#include "cas/peer_presence.h"
#include "cas/swappable_blob_store.h"
#include "client/client_channel.h"
#include "redis/redis_client.h"
#include "server/kiln_server.h"

namespace kiln {

class StorageTier final : public StorageRingControl {
 public:
  // A frontend's storage nodes; null when it keeps its CAS on its own disk alone.
  static StatusOr<std::unique_ptr<StorageTier>> Open(const ServerOptions& options);
  // A storage node's membership of the backplane's ring, as `target` (the node's advertised
  // address); null without a backplane. Redis away: the node joins at a later Tick. From
  // then on `disk` evicts asking the ring's other members (reached with the --cas- flags).
  // REQUIRES: `disk` outlives the tier's use of it (the tier only hands it the peers).
  static StatusOr<std::unique_ptr<StorageTier>> Join(const ServerOptions& options, const std::string& target,
                                                     DiskBlobStore* disk);
  ~StorageTier();

  // The CAS on the storage nodes (null for a storage node's membership).
  BlobStore* cas() const { return cas_; }
  // With a single storage node: the channel to it, for its action cache. Null otherwise.
  const std::shared_ptr<grpc::Channel>& single_node_channel() const { return single_node_channel_; }
  // The ring cas() is on (a single --cas node is a ring of one), for the frontend's workers.
  StorageRingPublisher* rings() { return &rings_; }
  // The hints of hinted handoff that cas()'s handoff pass works through, for those the
  // workers send: in the backplane for its ring, in memory for a --cas list (they outlive
  // the workers then, not this frontend). Null for a single node, which has no other to hand off to.
  HintList* hints() const { return hints_.get(); }
  // Whether the CAS is the backplane's ring, whose action cache must be in Redis.
  bool follows_ring() const { return follower_ != nullptr; }
  // Keeps the ring membership or the followed ring current. Call every second or so.
  void Tick();
  // The backplane's ring: its nodes (asking each for its totals) and the repair pass.
  // FAILED_PRECONDITION when this server does not follow a ring. For `kiln admin`.
  StatusOr<StorageRingStatus> RingStatus() const override;
  Status RemoveNode(const std::string& name) override;

 private:
  StorageTier() = default;
  Status OpenNodes(const ServerOptions& options);
  Status FollowRing(const ServerOptions& options);
  Status ConnectDirectory(const ServerOptions& options);
  void StartRepairs(const ServerOptions& options);
  // A storage node: the ring's other members as the peers its evictions ask.
  void RefreshPeers();

  // The channel and store of a single --cas node, kept for the process's life.
  std::vector<std::shared_ptr<const ClientChannelFactory>> node_channels_;
  std::vector<std::unique_ptr<BlobStore>> node_stores_;
  std::shared_ptr<grpc::Channel> single_node_channel_;
  StorageRingPublisher rings_;               // Before follower_: it publishes until destroyed.
  // The backplane's ring.
  std::unique_ptr<redis::RedisClient> redis_;
  std::unique_ptr<StorageDirectory> directory_;
  // The ring's stores' hints: in the backplane, or in memory for a --cas list. Before
  // static_ring_ and ring_cas_, whose repairers use it.
  std::unique_ptr<HintList> hints_;
  std::shared_ptr<BlobStore> static_ring_;  // --cas with several nodes.
  std::unique_ptr<SwappableBlobStore> ring_cas_;
  std::unique_ptr<StorageRingFollower> follower_;  // After ring_cas_: destroyed before it.
  RepairNodeFactory repair_nodes_;                  // Each node's CAS and listing, on a channel of its own.
  std::string key_namespace_;
  std::unique_ptr<StorageRepairRunner> repairs_;    // After redis_ and directory_: stopped before them.
  BlobStore* cas_ = nullptr;
  // A storage node's peers: its own name in the ring, how it reaches the others, and them.
  std::string own_name_;
  ClientConnectionOptions peer_connection_;
  std::shared_ptr<PeerPresence> presence_;
  std::map<std::string, std::shared_ptr<ReplicaPeer>> peers_;
  int ticks_ = 0;
};

}  // namespace kiln
