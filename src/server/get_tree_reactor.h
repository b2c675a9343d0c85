// Streams GetTree pages one at a time: the next page is read from the CAS only after the
// previous one was sent, so a huge tree never sits in memory whole.
#pragma once

#include <grpcpp/grpcpp.h>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "cas/tree_walker.h"

namespace kiln {

class GetTreeReactor final : public grpc::ServerWriteReactor<reapi::GetTreeResponse> {
 public:
  GetTreeReactor(std::unique_ptr<TreeWalker> walker, int page_size, int64_t max_page_bytes);
  void OnWriteDone(bool ok) override;
  void OnDone() override { delete this; }

 private:
  void SendNextPage();

  std::unique_ptr<TreeWalker> walker_;
  int page_size_;
  int64_t max_page_bytes_;
  reapi::GetTreeResponse response_;
};

}  // namespace kiln
