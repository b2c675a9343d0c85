// Another storage node of the ring as a ReplicaPeer (StorageNode.FindHeldBlobs): what a
// storage node asks before it evicts, to learn which of its candidates that node still
// holds. Every call has a deadline; errors keep their gRPC code and name the node.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "cas/replica_presence.h"
#include "common/clock.h"

namespace kiln {

// `asker`: the asking node's own name in the ring, sent with each question.
std::unique_ptr<ReplicaPeer> NewRemoteReplicaPeer(std::shared_ptr<grpc::Channel> channel, std::string node_name,
                                                  std::string asker, Duration timeout = std::chrono::seconds(5));

}  // namespace kiln
