// How many storage nodes hold a blob, asked of each node itself (not through a frontend,
// which would answer for the ring): what the distributed-CAS tests check copies with.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "test_util.h"

namespace kiln_test {

inline bool NodeHolds(KilnProcess& node, const std::string& data) {
  std::vector<reapi::Digest> missing;
  grpc::Status status = FindMissing(node.cas(), "", {ProtoDigestOf(data)}, &missing);
  EXPECT_TRUE(status.ok()) << Describe(status);
  return status.ok() && missing.empty();
}

// Over the nodes still running.
template <typename Nodes>
int CopiesOnNodes(Nodes& nodes, const std::string& data) {
  int copies = 0;
  for (auto& node : nodes) {
    if (node && node->running() && NodeHolds(*node, data)) ++copies;
  }
  return copies;
}

}  // namespace kiln_test
