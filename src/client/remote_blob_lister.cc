#include "client/remote_blob_lister.h"

#include "client/remote_blob_rpc.h"
#include "common/proto_digest.h"
#include "kiln/storage/v1/storage_node.grpc.pb.h"

namespace kiln {
namespace {

namespace storage = kiln::storage::v1;

class RemoteBlobLister final : public BlobLister {
 public:
  RemoteBlobLister(std::shared_ptr<grpc::Channel> channel, std::string node_name, Duration timeout)
      : stub_(storage::StorageNode::NewStub(std::move(channel))), node_name_(std::move(node_name)), timeout_(timeout) {}

  StatusOr<BlobListPage> ListBlobs(const std::optional<Digest>& after, size_t limit) override {
    storage::ListBlobsRequest request;
    if (after) request.set_page_token(ListingToken(*after));
    request.set_page_size(static_cast<int32_t>(std::min<size_t>(limit, INT32_MAX)));
    storage::ListBlobsResponse response;
    auto context = NewClientContext(timeout_);
    grpc::Status status = stub_->ListBlobs(context.get(), request, &response);
    const std::string what = "listing the blobs of storage node " + node_name_;
    if (!status.ok()) return FromGrpcStatus(status, what);
    BlobListPage page;
    page.digests.reserve(static_cast<size_t>(response.blobs_size()));
    for (const storage::ListedBlob& blob : response.blobs()) {
      auto function = ResolveDigestFunction(blob.digest_function(), blob.digest().hash());
      if (!function.ok()) return function.status().WithContext(what);
      auto digest = FromProto(*function, blob.digest(), "blobs");
      if (!digest.ok()) return digest.status().WithContext(what);
      page.digests.push_back(std::move(digest).value());
    }
    page.more = !response.next_page_token().empty();
    page.store_blobs = response.total_blobs();
    page.store_bytes = response.total_bytes();
    return page;
  }

 private:
  std::unique_ptr<storage::StorageNode::Stub> stub_;
  const std::string node_name_;
  const Duration timeout_;
};

}  // namespace

std::unique_ptr<BlobLister> NewRemoteBlobLister(std::shared_ptr<grpc::Channel> channel, std::string node_name,
                                                Duration timeout) {
  return std::make_unique<RemoteBlobLister>(std::move(channel), std::move(node_name), timeout);
}

}  // namespace kiln
