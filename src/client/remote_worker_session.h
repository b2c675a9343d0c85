// One WorkerService.Connect stream, seen from a `kiln worker`: opens it with Hello and waits
// until the frontend has registered the worker, then carries messages both ways. One
// thread reads; any thread may send (sends are serialized). Cancel() from any thread makes
// a blocked Read or Send return, which is how a worker stops or abandons a stream.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>

#include "common/status.h"
#include "kiln/worker/v1/worker.grpc.pb.h"

namespace kiln {

namespace wire = ::kiln::worker::v1;

class RemoteWorkerSession {
 public:
  RemoteWorkerSession() = default;
  RemoteWorkerSession(const RemoteWorkerSession&) = delete;
  RemoteWorkerSession& operator=(const RemoteWorkerSession&) = delete;

  // Starts the call, sends `hello` and waits for the frontend to accept it. On failure the
  // stream is closed and the status says why (UNAVAILABLE if the frontend cannot be
  // reached, ALREADY_EXISTS for a duplicate worker id, CANCELLED after Cancel()).
  Status Open(wire::WorkerService::Stub& stub, const wire::Hello& hello);
  // False once the stream is broken or closed; the message is then dropped.
  bool Send(const wire::WorkerMessage& message);
  // REQUIRES: Open succeeded; one reader. False when the stream has ended.
  bool Read(wire::SchedulerMessage* message);
  // Any thread, any time (also before or during Open).
  void Cancel() { context_.TryCancel(); }
  // REQUIRES: Read returned false (or Open failed), so no message is left unread. Stops
  // further sends and returns the stream's final status.
  Status Close();

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<wire::WorkerMessage, wire::SchedulerMessage>> stream_;
  std::mutex send_mutex_;  // Held across Write: gRPC allows one writer at a time.
  bool closed_ = false;    // Guarded by send_mutex_.
  bool finished_ = false;
  Status final_status_;
};

}  // namespace kiln
