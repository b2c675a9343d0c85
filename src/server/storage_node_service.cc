#include "server/storage_node_service.h"

#include <algorithm>

#include "common/proto_digest.h"
#include "server/grpc_status.h"
#include "server/rpc_methods.h"

namespace kiln {

StorageNodeService::StorageNodeService(BlobLister* blobs, ReplicaHolder* holder, const CallAuthorizer* authorizer)
    : blobs_(blobs), holder_(holder), authorizer_(authorizer) {}

grpc::ServerUnaryReactor* StorageNodeService::ListBlobs(grpc::CallbackServerContext* context,
                                                        const kiln::storage::v1::ListBlobsRequest* request,
                                                        kiln::storage::v1::ListBlobsResponse* response) {
  // The listing spans every instance: asked on the empty instance name, `admin` must be
  // granted for all of them (or for "").
  auto caller = authorizer_->Check(*context, rpc::kListBlobs, "");
  if (!caller.ok()) return FinishUnary(context, caller.status());
  if (request->page_size() < 0) return FinishUnary(context, Status::InvalidArgument("page_size must not be negative"));
  std::optional<Digest> after;
  if (!request->page_token().empty()) {
    auto parsed = ParseListingToken(request->page_token());
    if (!parsed.ok()) return FinishUnary(context, parsed.status());
    after = std::move(parsed).value();
  }
  const size_t limit = static_cast<size_t>(std::min(request->page_size(), kMaxPageSize));
  auto page = blobs_->ListBlobs(after, limit);
  if (!page.ok()) return FinishUnary(context, page.status());
  response->mutable_blobs()->Reserve(static_cast<int>(page->digests.size()));
  for (const Digest& digest : page->digests) {
    kiln::storage::v1::ListedBlob* blob = response->add_blobs();
    *blob->mutable_digest() = ToProto(digest);
    blob->set_digest_function(ToProto(digest.function()));
  }
  if (page->more && !page->digests.empty()) response->set_next_page_token(ListingToken(page->digests.back()));
  response->set_total_blobs(page->store_blobs);
  response->set_total_bytes(page->store_bytes);
  return FinishUnary(context, Status::Ok());
}

grpc::ServerUnaryReactor* StorageNodeService::FindHeldBlobs(grpc::CallbackServerContext* context,
                                                            const kiln::storage::v1::FindHeldBlobsRequest* request,
                                                            kiln::storage::v1::FindHeldBlobsResponse* response) {
  // Like the listing, it spans every instance.
  auto caller = authorizer_->Check(*context, rpc::kFindHeldBlobs, "");
  if (!caller.ok()) return FinishUnary(context, caller.status());
  if (request->blobs_size() > kMaxHeldQuestion) {
    return FinishUnary(context, Status::InvalidArgument("at most " + std::to_string(kMaxHeldQuestion) +
                                                        " blobs per FindHeldBlobs"));
  }
  std::vector<Digest> digests;
  digests.reserve(static_cast<size_t>(request->blobs_size()));
  for (const kiln::storage::v1::ListedBlob& blob : request->blobs()) {
    auto function = ResolveDigestFunction(blob.digest_function(), blob.digest().hash());
    if (!function.ok()) return FinishUnary(context, function.status());
    auto digest = FromProto(*function, blob.digest(), "blobs");
    if (!digest.ok()) return FinishUnary(context, digest.status());
    digests.push_back(std::move(digest).value());
  }
  const std::vector<bool> held = holder_->HoldForPeer(digests, request->asker());
  response->mutable_held()->Reserve(static_cast<int>(held.size()));
  for (bool one : held) response->add_held(one);
  return FinishUnary(context, Status::Ok());
}

}  // namespace kiln
