// The StorageNode service (proto/kiln/storage/v1/storage_node.proto) on a storage node: a
// thin adapter that lists the node's disk store for the frontends' repair pass, and answers
// the other nodes' questions before they evict (FindHeldBlobs).
#pragma once

#include "cas/blob_listing.h"
#include "cas/replica_presence.h"
#include "kiln/storage/v1/storage_node.grpc.pb.h"
#include "server/call_authorizer.h"

namespace kiln {

class StorageNodeService final : public kiln::storage::v1::StorageNode::CallbackService {
 public:
  // Pages hold at most this many blobs (about 100 bytes each on the wire).
  static constexpr int kMaxPageSize = 10000;

  // At most this many blobs per FindHeldBlobs (a node asks about a few thousand at most).
  static constexpr int kMaxHeldQuestion = 100000;

  // REQUIRES: all three outlive the service.
  StorageNodeService(BlobLister* blobs, ReplicaHolder* holder, const CallAuthorizer* authorizer);

  grpc::ServerUnaryReactor* ListBlobs(grpc::CallbackServerContext* context,
                                      const kiln::storage::v1::ListBlobsRequest* request,
                                      kiln::storage::v1::ListBlobsResponse* response) override;
  grpc::ServerUnaryReactor* FindHeldBlobs(grpc::CallbackServerContext* context,
                                          const kiln::storage::v1::FindHeldBlobsRequest* request,
                                          kiln::storage::v1::FindHeldBlobsResponse* response) override;

 private:
  BlobLister* const blobs_;
  ReplicaHolder* const holder_;
  const CallAuthorizer* const authorizer_;
};

}  // namespace kiln
