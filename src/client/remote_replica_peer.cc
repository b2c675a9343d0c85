#include "client/remote_replica_peer.h"

#include "client/remote_blob_rpc.h"
#include "common/proto_digest.h"
#include "kiln/storage/v1/storage_node.grpc.pb.h"

namespace kiln {
namespace {

namespace storage = kiln::storage::v1;

class RemoteReplicaPeer final : public ReplicaPeer {
 public:
  RemoteReplicaPeer(std::shared_ptr<grpc::Channel> channel, std::string node_name, std::string asker,
                    Duration timeout)
      : stub_(storage::StorageNode::NewStub(std::move(channel))),
        node_name_(std::move(node_name)),
        asker_(std::move(asker)),
        timeout_(timeout) {}

  StatusOr<std::vector<bool>> FindHeld(const std::vector<Digest>& digests) override {
    storage::FindHeldBlobsRequest request;
    request.set_asker(asker_);
    request.mutable_blobs()->Reserve(static_cast<int>(digests.size()));
    for (const Digest& digest : digests) {
      storage::ListedBlob* blob = request.add_blobs();
      *blob->mutable_digest() = ToProto(digest);
      blob->set_digest_function(ToProto(digest.function()));
    }
    storage::FindHeldBlobsResponse response;
    auto context = NewClientContext(timeout_);
    grpc::Status status = stub_->FindHeldBlobs(context.get(), request, &response);
    const std::string what = "asking storage node " + node_name_ + " which blobs it holds";
    if (!status.ok()) return FromGrpcStatus(status, what);
    if (response.held_size() != request.blobs_size()) {
      return Status::Internal(what + ": " + std::to_string(response.held_size()) + " answers to " +
                              std::to_string(request.blobs_size()) + " blobs");
    }
    return std::vector<bool>(response.held().begin(), response.held().end());
  }

 private:
  std::unique_ptr<storage::StorageNode::Stub> stub_;
  const std::string node_name_;
  const std::string asker_;
  const Duration timeout_;
};

}  // namespace

std::unique_ptr<ReplicaPeer> NewRemoteReplicaPeer(std::shared_ptr<grpc::Channel> channel, std::string node_name,
                                                  std::string asker, Duration timeout) {
  return std::make_unique<RemoteReplicaPeer>(std::move(channel), std::move(node_name), std::move(asker), timeout);
}

}  // namespace kiln
