#include "server/grpc_status.h"
#include "server/rpc_methods.h"
#include "server/worker_service.h"

#include "server/worker_stream_reactor.h"

namespace kiln {

bool ConnectedWorkers::Claim(const std::string& worker_id) {
  std::lock_guard lock(mutex_);
  return ids_.insert(worker_id).second;
}

void ConnectedWorkers::Release(const std::string& worker_id) {
  std::lock_guard lock(mutex_);
  ids_.erase(worker_id);
}

void ConnectedWorkers::StreamOpened() {
  std::lock_guard lock(mutex_);
  ++streams_;
}

void ConnectedWorkers::StreamClosed() {
  std::lock_guard lock(mutex_);
  --streams_;
}

size_t ConnectedWorkers::stream_count() const {
  std::lock_guard lock(mutex_);
  return streams_;
}

grpc::ServerBidiReactor<wire::WorkerMessage, wire::SchedulerMessage>* WorkerService::Connect(
    grpc::CallbackServerContext* context) {
  // Workers serve every instance: the permission is checked on the empty instance name,
  // which a grant without instances (or listing "") covers.
  auto caller = authorizer_->Check(*context, rpc::kWorkerConnect, "");
  if (!caller.ok()) return new FinishedBidiReactor<wire::WorkerMessage, wire::SchedulerMessage>(caller.status());
  // Without an auth file nobody is identified: the worker's own id is all there is.
  std::string principal = authorizer_->enabled() ? (*caller)->name : std::string();
  return new WorkerStreamReactor(context, scheduler_, cache_, log_streams_, &connected_, std::move(principal),
                                 action_metrics_, storage_);
}

}  // namespace kiln
