// Streams a log stream to a ByteStream Read client: what is there now, then more as the
// writer appends, until the stream is finalized (or read_limit bytes were sent). A reader
// that caught up waits without a thread: the stream calls back on the writer's thread when
// there is more, and everything appended meanwhile goes out in the next message(s), so
// notifications are coalesced. Ends with CANCELLED when the client cancels or the server
// shuts down.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>

#include "google/bytestream/bytestream.pb.h"
#include "logstream/log_stream_registry.h"
#include "server/reactor_bridge.h"

namespace kiln {

// Validates the request and returns the reactor that serves it (or one that fails at once:
// NOT_FOUND for unknown streams, INVALID_ARGUMENT for write names and negative offsets or
// limits, OUT_OF_RANGE for an offset past the end of a finalized stream).
grpc::ServerWriteReactor<grpc::ByteBuffer>* NewLogStreamReadReactor(
    const LogStreamRegistry& registry, const google::bytestream::ReadRequest& request);

// Writes hand-framed ReadResponses (read_response_frame.h), as the CAS read reactor does:
// ByteStream.Read is one raw method for both.
class LogStreamReadReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  // `limit` 0 means no limit.
  LogStreamReadReactor(std::shared_ptr<LogStream> stream, int64_t offset, int64_t limit);
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  enum class State { kSending, kWriting, kWaiting, kFinished };

  // REQUIRES: state_ is kSending (no write outstanding, no waiter armed). Sends the next
  // chunk, finishes, or arms a waiter.
  void SendMore();
  void OnReadable();
  void FinishWith(std::unique_lock<std::mutex>& lock, const grpc::Status& status);

  const std::shared_ptr<LogStream> stream_;
  std::shared_ptr<ReactorBridge<LogStreamReadReactor>> bridge_;  // Held by the stream's waiter.
  std::mutex mutex_;
  State state_ = State::kSending;
  bool cancelled_ = false;
  int64_t offset_;
  int64_t remaining_;  // -1: no limit.
  LogStream::WaitId wait_id_ = 0;
  grpc::ByteBuffer response_;
};

}  // namespace kiln
