// kiln's worker protocol (proto/kiln/worker/v1/worker.proto) on the frontend: `kiln worker`
// processes on other hosts connect here, one long-lived stream each, and take actions from
// this frontend's scheduler exactly as the in-process LocalWorkerPool does. Each stream is
// a WorkerStreamReactor; this class only creates them and keeps what they share.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "server/call_authorizer.h"
#include "ac/action_cache.h"
#include "cas/storage_ring_publisher.h"
#include "kiln/worker/v1/worker.grpc.pb.h"
#include "execution/action_metrics.h"
#include "logstream/log_stream_registry.h"
#include "scheduler/scheduler.h"
#include "server/worker_hint_intake.h"

namespace kiln {

namespace wire = ::kiln::worker::v1;

// The frontend's storage ring, as its workers see it.
struct WorkerStorage {
  StorageRingPublisher* rings = nullptr;  // Told to each worker. Null: the CAS is the frontend's own.
  WorkerHintIntake* hints = nullptr;      // Takes the workers' hints. Null: they are ignored.
};

// Initial-metadata key the frontend sends once it has registered the worker of a stream.
// The protocol has no reply to Hello; this lets a worker tell "accepted" from "refused"
// (a refused stream gets only a status) before it announces itself as connected.
inline constexpr char kWorkerRegisteredMetadataKey[] = "kiln-worker-registered";

// The worker ids with a live connection, shared by all streams of one WorkerService: a
// second connection claiming a live id is refused, so it cannot take over (and later
// unregister) the first one's scheduler registration. Thread-safe.
class ConnectedWorkers {
 public:
  // False if `worker_id` is already claimed.
  bool Claim(const std::string& worker_id);
  void Release(const std::string& worker_id);
  // Streams that exist (registered or not), for shutdown.
  void StreamOpened();
  void StreamClosed();
  size_t stream_count() const;

 private:
  mutable std::mutex mutex_;
  std::set<std::string> ids_;
  size_t streams_ = 0;
};

class WorkerService final : public wire::WorkerService::CallbackService {
 public:
  // `scheduler` and `cache` (where results are recorded) must outlive the gRPC server.
  // `log_streams` (may be null: no live output) receives the output of running actions.
  // Only principals with the `worker` permission may connect (`authorizer`).
  WorkerService(Scheduler* scheduler, ActionCache* cache, LogStreamRegistry* log_streams,
                const CallAuthorizer* authorizer)
      : scheduler_(scheduler), cache_(cache), log_streams_(log_streams), authorizer_(authorizer) {}

  grpc::ServerBidiReactor<wire::WorkerMessage, wire::SchedulerMessage>* Connect(
      grpc::CallbackServerContext* context) override;

  // Worker streams never end by themselves; shutdown waits for the other calls only.
  size_t open_streams() const { return connected_.stream_count(); }
  // Records the actions these workers report; set before serving (null: no metrics).
  void set_action_metrics(ActionMetrics* metrics) { action_metrics_ = metrics; }
  // The storage ring this frontend's CAS is on, told to every worker (so that it reads and
  // writes blobs on the nodes); set before serving. Null: the CAS is the frontend's own.
  void set_storage_rings(StorageRingPublisher* rings) { storage_.rings = rings; }
  // Where the hints workers send go (with a ring whose copies have several owners); set
  // before serving. Null: they are ignored, and workers are told not to send them.
  void set_storage_hints(WorkerHintIntake* hints) { storage_.hints = hints; }

 private:
  Scheduler* scheduler_;
  ActionCache* cache_;
  LogStreamRegistry* log_streams_;
  const CallAuthorizer* authorizer_;
  ActionMetrics* action_metrics_ = nullptr;
  WorkerStorage storage_;
  ConnectedWorkers connected_;
};

}  // namespace kiln
