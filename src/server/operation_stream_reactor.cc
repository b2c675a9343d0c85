#include "server/operation_stream_reactor.h"

#include "server/grpc_status.h"
#include "server/operation_message.h"

namespace kiln {

OperationStreamReactor::OperationStreamReactor(Scheduler* scheduler, const Caller& caller,
                                               const std::string& operation_name,
                                               std::optional<google::longrunning::Operation> first,
                                               ResponseDecorator decorate)
    : scheduler_(scheduler), decorate_(std::move(decorate)), bridge_(ReactorBridge<OperationStreamReactor>::For(this)) {
  if (first) {
    std::lock_guard lock(mutex_);
    writing_ = true;
    current_ = std::move(*first);
  }
  // gRPC holds reactions back until this reactor is returned to it, so nothing below can
  // race with OnWriteDone or OnDone; the mutex is for the scheduler's listener thread.
  if (writing_) StartWrite(&current_);
  {
    std::lock_guard lock(mutex_);
    watching_ = true;  // Until Watch says otherwise.
  }
  auto watch = scheduler_->Watch(caller, operation_name, [bridge = bridge_](const OperationSnapshot& snapshot) {
    bridge->Call([&](OperationStreamReactor& reactor) { reactor.OnSnapshot(snapshot); });
  });
  std::unique_lock lock(mutex_);
  if (watch.ok()) {
    watch_id_ = *watch;
    return;
  }
  watching_ = false;
  if (finished_) return;
  if (writing_) {
    // Let the first write finish; the stream then ends without a done operation.
    pending_.reset();
    return;
  }
  finished_ = true;
  lock.unlock();
  Finish(ToGrpcStatus(watch.status()));
}

void OperationStreamReactor::OnSnapshot(const OperationSnapshot& snapshot) {
  google::longrunning::Operation message;
  if (snapshot.done && decorate_) {
    OperationSnapshot decorated = snapshot;
    decorate_(decorated.response);
    message = ToOperationMessage(decorated);
  } else {
    message = ToOperationMessage(snapshot);
  }
  std::unique_lock lock(mutex_);
  if (finished_) return;
  pending_ = std::move(message);
  if (writing_) return;
  writing_ = true;
  current_ = std::move(*pending_);
  pending_.reset();
  lock.unlock();
  // Safe outside the lock: while a write is outstanding the reactor cannot be finished.
  StartWrite(&current_);
}

void OperationStreamReactor::OnWriteDone(bool ok) {
  std::unique_lock lock(mutex_);
  writing_ = false;
  if (finished_) return;
  grpc::Status finish_with;
  bool finish = false;
  if (!ok || cancelled_) {
    finish = true;
    finish_with = grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  } else if (current_.done()) {
    finish = true;
  } else if (pending_) {
    writing_ = true;
    current_ = std::move(*pending_);
    pending_.reset();
  } else if (!watching_) {
    finish = true;  // The operation vanished after the first message.
    finish_with = grpc::Status(grpc::StatusCode::NOT_FOUND, "operation " + current_.name() + " is no longer known");
  }
  if (finish) finished_ = true;
  const bool write = writing_;
  lock.unlock();
  if (finish) Finish(finish_with);
  if (write) StartWrite(&current_);
}

void OperationStreamReactor::OnCancel() {
  std::unique_lock lock(mutex_);
  cancelled_ = true;
  if (finished_ || writing_) return;  // OnWriteDone finishes once the outstanding write ends.
  finished_ = true;
  lock.unlock();
  Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled"));
}

void OperationStreamReactor::OnDone() {
  bridge_->Detach();
  if (watching_) scheduler_->Unwatch(watch_id_);
  delete this;
}

}  // namespace kiln
