// The calls an attack has in flight, so that stopping it can cancel them all at once instead
// of waiting for each to end by itself. Thread-safe.
#pragma once

#include <mutex>
#include <set>

#include <grpcpp/grpcpp.h>

namespace kiln {

class CancellableCalls {
 public:
  // Registers `context` (cancelled at once if CancelAll already ran) until the returned
  // guard goes away.
  class Guard {
   public:
    Guard(CancellableCalls* calls, grpc::ClientContext* context) : calls_(calls), context_(context) {}
    ~Guard() { calls_->Remove(context_); }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    CancellableCalls* calls_;
    grpc::ClientContext* context_;
  };
  Guard Track(grpc::ClientContext* context) {
    std::lock_guard lock(mutex_);
    if (cancelled_) context->TryCancel();
    contexts_.insert(context);
    return Guard(this, context);
  }
  void CancelAll() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    for (grpc::ClientContext* context : contexts_) context->TryCancel();
  }

 private:
  void Remove(grpc::ClientContext* context) {
    std::lock_guard lock(mutex_);
    contexts_.erase(context);
  }
  std::mutex mutex_;
  std::set<grpc::ClientContext*> contexts_;
  bool cancelled_ = false;
};

}  // namespace kiln
