// Streams an operation's updates to an Execute or WaitExecution client until it is done.
// It watches the scheduler (no thread per stream); updates that arrive while a write is in
// flight are coalesced to the newest, which is sound because each snapshot supersedes the
// previous one and the done snapshot is always the last.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "google/longrunning/operations.pb.h"
#include "scheduler/scheduler.h"
#include "server/reactor_bridge.h"

namespace kiln {

class OperationStreamReactor final : public grpc::ServerWriteReactor<google::longrunning::Operation> {
 public:
  // `first` is sent before anything the scheduler reports (the CACHE_CHECK stage of a new
  // Execute). The operation must exist and be visible to `caller`; if it vanished (or the
  // caller was forgotten among its owners), the stream ends with NOT_FOUND.
  // Applied to the ExecuteResponse of the done snapshot before it is sent (per-request
  // inlining of outputs).
  using ResponseDecorator = std::function<void(reapi::ExecuteResponse&)>;

  OperationStreamReactor(Scheduler* scheduler, const Caller& caller, const std::string& operation_name,
                         std::optional<google::longrunning::Operation> first, ResponseDecorator decorate = nullptr);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void OnSnapshot(const OperationSnapshot& snapshot);

  Scheduler* scheduler_;
  ResponseDecorator decorate_;
  std::shared_ptr<ReactorBridge<OperationStreamReactor>> bridge_;  // Held by the scheduler's listener.
  Scheduler::WatchId watch_id_ = 0;
  bool watching_ = false;

  std::mutex mutex_;
  bool writing_ = false;   // A StartWrite is outstanding; current_ belongs to gRPC.
  bool finished_ = false;  // Finish was (or is about to be) called.
  // The client cancelled. A write in flight may still complete successfully afterwards, so
  // OnWriteDone must finish the stream then instead of waiting for the next update.
  bool cancelled_ = false;
  google::longrunning::Operation current_;
  std::optional<google::longrunning::Operation> pending_;
};

}  // namespace kiln
