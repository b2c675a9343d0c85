// A storage node's listing (StorageNode.ListBlobs) as a BlobLister: what the repair pass
// walks each node of the ring with. Every call has a deadline; errors keep their gRPC code
// and name the node.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "cas/blob_listing.h"
#include "common/clock.h"

namespace kiln {

std::unique_ptr<BlobLister> NewRemoteBlobLister(std::shared_ptr<grpc::Channel> channel, std::string node_name,
                                                Duration timeout = std::chrono::seconds(30));

}  // namespace kiln
