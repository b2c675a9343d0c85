// The body of a `kiln worker` process: keeps one stream to the frontend's WorkerService open
// (reconnecting with backoff when it breaks), asks for one action per free slot, runs each
// assignment on a slot thread with an ActionExecutor, and reports back. The executor's CAS
// is normally a ReadThroughCache over the frontend's CAS, so outputs are on the frontend
// before ExecutionFinished is sent. When an assignment names log streams, the command's
// stdout and stderr are forwarded to them (ByteStream Write to the frontend) while it runs.
//
// When a stream breaks, the actions it assigned are cancelled: the frontend has re-queued
// them already, and a result reported on a new stream would not be accepted.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "client/remote_worker_session.h"
#include "common/clock.h"
#include "google/bytestream/bytestream.grpc.pb.h"
#include "worker/action_executor.h"

namespace kiln {

struct RemoteWorkerOptions {
  std::string worker_id;  // Unique among the frontend's connected workers.
  int slots = 1;          // Actions run at once.
  // Offered besides OSFamily and ISA, which the frontend adds.
  std::vector<std::pair<std::string, std::string>> platform;
  // Reconnect delays: the first, doubled after each failed attempt up to the maximum.
  Duration initial_backoff = std::chrono::milliseconds(500);
  Duration max_backoff = std::chrono::seconds(10);
  // Called (on the Run thread) each time the frontend accepts the worker.
  std::function<void()> on_connected;
};

class RemoteWorker {
 public:
  // `executor` must outlive this; its worker_id should be options.worker_id.
  RemoteWorker(std::shared_ptr<grpc::Channel> channel, ActionExecutor* executor, RemoteWorkerOptions options);
  ~RemoteWorker();
  RemoteWorker(const RemoteWorker&) = delete;
  RemoteWorker& operator=(const RemoteWorker&) = delete;

  // Serves the frontend until Stop(): connects, reconnects, runs actions. Problems with
  // the connection are logged to stderr, never fatal. Call once.
  void Run();
  // Any thread. Cancels running actions and ends the stream; Run returns once the slots
  // have wound down.
  void Stop();

 private:
  struct Job {
    std::shared_ptr<RemoteWorkerSession> session;  // Where the assignment came from.
    wire::Assignment assignment;
    std::shared_ptr<std::atomic<bool>> cancelled;
  };
  // A job is known by its stream, operation and attempt: after a reconnect the frontend may
  // assign an operation again while the abandoned run of it is still winding down, and on
  // one stream it may take an attempt back (too slow) and assign the operation again.
  using JobKey = std::tuple<const RemoteWorkerSession*, std::string, uint32_t>;

  // One stream, from connect to break. Returns whether the frontend accepted the worker.
  bool RunSession(Status* ended_with);
  void Accept(const std::shared_ptr<RemoteWorkerSession>& session, wire::Assignment assignment);
  void Cancel(const RemoteWorkerSession* session, const wire::Cancellation& cancellation);
  void RunSlot();
  void RunJob(const Job& job);
  // REQUIRES: mutex_ held.
  void CancelJobsOf(const RemoteWorkerSession* session);

  std::unique_ptr<wire::WorkerService::Stub> stub_;
  std::unique_ptr<google::bytestream::ByteStream::Stub> bytestream_;  // For live output.
  ActionExecutor* executor_;
  const RemoteWorkerOptions options_;
  std::vector<std::thread> slots_;

  std::mutex mutex_;
  std::condition_variable jobs_ready_;  // queue_ gained a job, or stopping_.
  std::condition_variable stopped_;     // stopping_ (cuts a reconnect delay short).
  bool stopping_ = false;
  std::shared_ptr<RemoteWorkerSession> session_;  // The stream being opened or in use.
  bool accepting_ = false;  // session_ is registered: free slots ask it for work.
  int busy_ = 0;            // Slots with a job, queued or running.
  std::deque<Job> queue_;
  std::map<JobKey, std::shared_ptr<std::atomic<bool>>> jobs_;  // Queued and running.
};

}  // namespace kiln
