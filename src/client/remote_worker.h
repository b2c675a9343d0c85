// The body of a `kiln worker` process: keeps one stream to a frontend's WorkerService open,
// asks for one action per free slot, runs each assignment on a slot thread with an
// ActionExecutor, and reports back. The executor's CAS is normally a ReadThroughCache over
// the CAS of the frontend the worker is connected to (on_connected says which), or the
// storage ring that frontend keeps its CAS on (on_storage_ring says which), so outputs are
// in that frontend's CAS before ExecutionFinished is sent. When an assignment names log
// streams, the command's stdout and stderr are forwarded to them (ByteStream Write to the
// frontend that assigned it) while it runs.
//
// A worker may be given several frontends (a farm's): it starts at a random one and, each
// time its stream ends or cannot be opened, moves to the next one after a bounded, jittered,
// exponential backoff (client/frontend_rotation.h). One frontend alone is simply reconnected to.
//
// When a stream ends, actions it assigned that have not started are dropped, but running ones
// go on: a frontend that went away may have handed its operations to a shared backplane,
// where any frontend accepts the result. Once done, such an action reports through the stream
// open then, whichever frontend it goes to, waiting for one at most orphan_report_timeout.
// A frontend that does not know the operation ignores the report (an in-process scheduler
// has re-queued the operation already; the run only cost its slot the time to finish).
//
// Hints: when the worker writes to the storage ring itself, the hints its writes leave (an
// owner was down) are sent to the frontend it is connected to, if that frontend's ring says
// it takes them (StorageRing.accepts_storage_hints): in batches, a moment after the first
// of a burst, and in any case before the report of each action, so that the frontend has
// the hints of an action's outputs before its result. Until then they wait in `hints`.
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

#include "cas/storage_ring_config.h"
#include "client/remote_worker_session.h"
#include "common/clock.h"
#include "google/bytestream/bytestream.grpc.pb.h"
#include "worker/action_executor.h"
#include "worker/forwarding_hint_list.h"

namespace kiln {

struct RemoteWorkerOptions {
  std::string worker_id;  // Unique among the frontend's connected workers.
  int slots = 1;          // Actions run at once.
  // Offered besides OSFamily and ISA, which the frontend adds.
  std::vector<std::pair<std::string, std::string>> platform;
  // Delays before connecting (FrontendRotationOptions): after a stream ended, the initial
  // one; after each failed attempt in a row, doubled up to the maximum; jittered.
  Duration initial_backoff = std::chrono::milliseconds(500);
  Duration max_backoff = std::chrono::seconds(10);
  // How long an action whose stream ended while it ran waits, once finished, for a stream
  // to report through; its result is dropped after that.
  Duration orphan_report_timeout = std::chrono::seconds(30);
  // Uniform in [0, 1): the first frontend and the jitter. Default: seeded at random.
  std::function<double()> random;
  // Called (on the Run thread) each time a frontend accepts the worker, with its index in
  // the list, before any work is asked of it: where to point the executor's CAS.
  std::function<void(size_t frontend)> on_connected;
  // Called (on the Run thread) with the storage ring the connected frontend keeps its CAS
  // on: once, after on_connected and before any assignment, and again when it changes.
  // Frontends without one never call it.
  std::function<void(const StorageRingConfig& ring)> on_storage_ring;
  // The hints of the worker's writes to the ring, waiting for a frontend that takes them
  // (the list the worker's ReplicatedBlobStore uses). Null: none are sent.
  ForwardingHintList* hints = nullptr;
  // How long hints collect before they are sent, so that a burst (every output of an action
  // written past the same down node) goes in one message.
  Duration hint_batch_delay = std::chrono::milliseconds(200);
};

// A frontend the worker may connect to.
struct RemoteWorkerFrontend {
  std::string target;  // As the user wrote it, for messages.
  std::shared_ptr<grpc::Channel> channel;
};

class RemoteWorker {
 public:
  // `executor` must outlive this; its worker_id should be options.worker_id.
  // REQUIRES: at least one frontend.
  RemoteWorker(std::vector<RemoteWorkerFrontend> frontends, ActionExecutor* executor, RemoteWorkerOptions options);
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
  struct Frontend {
    std::string target;
    std::unique_ptr<wire::WorkerService::Stub> workers;
    std::unique_ptr<google::bytestream::ByteStream::Stub> bytestream;  // For live output.
  };
  struct Job {
    std::shared_ptr<RemoteWorkerSession> session;  // Where the assignment came from.
    size_t frontend = 0;                           // The session's.
    wire::Assignment assignment;
    std::shared_ptr<std::atomic<bool>> cancelled;
  };
  // A job is known by its stream, operation and attempt: after a reconnect the frontend may
  // assign an operation again while the abandoned run of it is still winding down, and on
  // one stream it may take an attempt back (too slow) and assign the operation again.
  using JobKey = std::tuple<const RemoteWorkerSession*, std::string, uint32_t>;

  // One stream to frontends_[frontend], from connect to break. Returns whether the
  // frontend accepted the worker.
  bool RunSession(size_t frontend, Status* ended_with);
  void Accept(const std::shared_ptr<RemoteWorkerSession>& session, size_t frontend, wire::Assignment assignment);
  void Cancel(const wire::Cancellation& cancellation);
  void AnnounceRing(size_t frontend, const wire::StorageRing& message);
  // The sender thread: sends hints as they are queued, until Stop().
  void RunHintSender();
  // The stream hints go to now: null if none is open, or its frontend does not take them.
  std::shared_ptr<RemoteWorkerSession> HintSession();
  // Sends every hint queued; those a broken stream did not take wait for the next one.
  void SendHints(RemoteWorkerSession& session);
  void RunSlot();
  void RunJob(const Job& job);
  // The job's own stream has ended: reports through the current one, once there is one
  // (bounded by options_.orphan_report_timeout), or drops the report.
  void ReportOrphaned(const Job& job, const wire::WorkerMessage& finished);
  // REQUIRES: mutex_ held.
  void CancelQueuedJobsOf(const RemoteWorkerSession* session);

  std::vector<Frontend> frontends_;
  ActionExecutor* executor_;
  const RemoteWorkerOptions options_;
  std::vector<std::thread> slots_;
  std::thread hint_sender_;      // With options_.hints.
  std::mutex hint_send_mutex_;   // Held while hints are taken and sent. Never inside mutex_.

  std::mutex mutex_;
  std::condition_variable jobs_ready_;  // queue_ gained a job, or stopping_.
  std::condition_variable stopped_;     // stopping_ (cuts a reconnect delay short).
  std::condition_variable accepted_;    // accepting_ became true, or stopping_.
  bool stopping_ = false;
  std::shared_ptr<RemoteWorkerSession> session_;  // The stream being opened or in use.
  size_t session_frontend_ = 0;                   // session_'s frontend.
  bool accepting_ = false;  // session_ is registered: free slots ask it for work.
  bool hints_accepted_ = false;  // session_'s frontend said it takes hints.
  int busy_ = 0;            // Slots with a job, queued or running.
  std::deque<Job> queue_;
  std::map<JobKey, std::shared_ptr<std::atomic<bool>>> jobs_;  // Queued and running.
};

}  // namespace kiln
