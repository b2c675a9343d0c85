#include "server/logstream_read_reactor.h"

#include "server/grpc_status.h"
#include "server/read_response_frame.h"

namespace kiln {

using Frame = grpc::ByteBuffer;

// As for CAS reads: large enough to amortise per-message overhead, small enough for any
// client. Live logs usually arrive in much smaller pieces.
constexpr size_t kLogChunkBytes = 1024 * 1024;

grpc::ServerWriteReactor<Frame>* NewLogStreamReadReactor(const LogStreamRegistry& registry,
                                                                const google::bytestream::ReadRequest& request) {
  if (request.read_offset() < 0) {
    return new FinishedWriteReactor<Frame>(
        Status::OutOfRange("read_offset " + std::to_string(request.read_offset()) + " is negative"));
  }
  if (request.read_limit() < 0) {
    return new FinishedWriteReactor<Frame>(
        Status::InvalidArgument("read_limit " + std::to_string(request.read_limit()) + " is negative"));
  }
  auto stream = registry.OpenForRead(request.resource_name());
  if (!stream.ok()) return new FinishedWriteReactor<Frame>(stream.status());
  // A live stream may still grow to any offset; a finalized one has its final size.
  LogStream::Slice now = (*stream)->Read(0, 0);
  if (now.finalized && request.read_offset() > now.stored_size) {
    return new FinishedWriteReactor<Frame>(
        Status::OutOfRange("read_offset " + std::to_string(request.read_offset()) + " is past the end of log stream " +
                           (*stream)->read_name() + " (" + std::to_string(now.stored_size) + " bytes)"));
  }
  return new LogStreamReadReactor(std::move(stream).value(), request.read_offset(), request.read_limit());
}

LogStreamReadReactor::LogStreamReadReactor(std::shared_ptr<LogStream> stream, int64_t offset, int64_t limit)
    : stream_(std::move(stream)), bridge_(ReactorBridge<LogStreamReadReactor>::For(this)), offset_(offset),
      remaining_(limit > 0 ? limit : -1) {
  SendMore();
}

void LogStreamReadReactor::SendMore() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (cancelled_) return FinishWith(lock, grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
    if (remaining_ == 0) return FinishWith(lock, grpc::Status::OK);
    const size_t want = remaining_ < 0 ? kLogChunkBytes : static_cast<size_t>(std::min<int64_t>(remaining_, kLogChunkBytes));
    LogStream::Slice slice = stream_->Read(offset_, want);
    if (!slice.data.empty()) {
      offset_ += static_cast<int64_t>(slice.data.size());
      if (remaining_ > 0) remaining_ -= static_cast<int64_t>(slice.data.size());
      response_ = FrameReadResponse(std::move(slice.data));
      state_ = State::kWriting;
      lock.unlock();
      StartWrite(&response_);
      return;
    }
    if (slice.finalized) return FinishWith(lock, grpc::Status::OK);
    // Arm the waiter outside our lock (it may fire on the writer's thread at once, and
    // OnReadable takes the lock); kWaiting tells whoever comes first what to do.
    state_ = State::kWaiting;
    const int64_t offset = offset_;
    lock.unlock();
    const LogStream::WaitId id = stream_->WhenReadable(offset, [bridge = bridge_] {
      bridge->Call([](LogStreamReadReactor& reactor) { reactor.OnReadable(); });
    });
    lock.lock();
    if (id != 0) {
      if (state_ == State::kWaiting) {
        wait_id_ = id;
      } else if (state_ == State::kFinished) {
        stream_->CancelWait(id);  // Cancelled meanwhile.
      }
      return;  // Otherwise the waiter already fired and carries on.
    }
    if (state_ != State::kWaiting) return;  // Cancelled meanwhile and finished.
    state_ = State::kSending;  // Readable already: go round again.
  }
}

void LogStreamReadReactor::OnReadable() {
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::kWaiting) return;
    state_ = State::kSending;
    wait_id_ = 0;
  }
  SendMore();
}

void LogStreamReadReactor::OnWriteDone(bool ok) {
  {
    std::lock_guard lock(mutex_);
    state_ = State::kSending;
    if (!ok) cancelled_ = true;
  }
  SendMore();
}

void LogStreamReadReactor::OnCancel() {
  std::unique_lock lock(mutex_);
  cancelled_ = true;
  // Writing: OnWriteDone finishes. Sending: SendMore sees cancelled_ (it runs under the
  // lock until it writes or waits).
  if (state_ != State::kWaiting) return;
  const LogStream::WaitId id = wait_id_;
  wait_id_ = 0;
  if (id != 0) stream_->CancelWait(id);
  FinishWith(lock, grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
}

void LogStreamReadReactor::FinishWith(std::unique_lock<std::mutex>& lock, const grpc::Status& status) {
  state_ = State::kFinished;
  lock.unlock();
  Finish(status);
}

void LogStreamReadReactor::OnDone() {
  bridge_->Detach();
  {
    std::lock_guard lock(mutex_);
    if (wait_id_ != 0) stream_->CancelWait(wait_id_);
  }
  delete this;
}

}  // namespace kiln
