#include "server/get_tree_reactor.h"

#include "server/grpc_status.h"

namespace kiln {

GetTreeReactor::GetTreeReactor(std::unique_ptr<TreeWalker> walker, int page_size, int64_t max_page_bytes)
    : walker_(std::move(walker)), page_size_(page_size), max_page_bytes_(max_page_bytes) {
  SendNextPage();
}

void GetTreeReactor::OnWriteDone(bool ok) {
  if (!ok) {
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
    return;
  }
  if (walker_->done()) {
    Finish(grpc::Status::OK);
    return;
  }
  SendNextPage();
}

void GetTreeReactor::SendNextPage() {
  auto page = walker_->NextPage(page_size_, max_page_bytes_);
  if (!page.ok()) {
    Finish(ToGrpcStatus(page.status()));
    return;
  }
  response_.Clear();
  for (auto& directory : page->directories) *response_.add_directories() = std::move(directory);
  response_.set_next_page_token(page->next_page_token);
  StartWrite(&response_);
}

}  // namespace kiln
