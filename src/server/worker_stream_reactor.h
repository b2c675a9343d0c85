// The frontend's side of one `kiln worker` connection (WorkerService.Connect): registers the
// worker with the scheduler, turns each WorkRequest into a scheduler work request and each
// resulting assignment into an Assignment message, records what the worker reports, and
// tells the worker when an operation it runs was cancelled. When the stream ends the worker
// is removed from the scheduler, which re-queues whatever it was running.
//
// Reports are taken only for assignments this stream holds, and only for the attempt it
// holds: a stream cannot complete another worker's operation, and a late report of an
// attempt the scheduler took back (the worker stayed silent past the action's timeout
// plus a grace period) neither completes the operation nor reaches the action cache.
//
// Live output: each assignment gets a stdout and a stderr log stream; their write names go
// to the worker in the Assignment, their read names into the operation's metadata once the
// worker reports that it started. They are finalized when the worker reports the result or
// the assignment is lost, whatever the worker did with them.
//
// An operation is held once per stream: an assignment of the attempt the stream already
// holds (a Redis failover can roll the attempt counter back and hand it out again) is the
// same work, and is not sent twice.
//
// Storage ring: when the frontend's CAS is a ring of storage nodes, the worker is told the
// ring once registered (before any assignment) and again whenever it changes. The hints
// the worker sends back (copies it placed past a down owner) go to the frontend's list
// (server/worker_hint_intake.h), or nowhere when the frontend has no list to put them in.
//
// No thread of its own: reads and writes are gRPC callbacks, and work callbacks and watch
// listeners arrive on whichever thread the scheduler calls them on. Writes go through a
// queue so that only one StartWrite is outstanding.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "ac/action_cache.h"
#include "execution/action_log_streams.h"
#include "execution/action_metrics.h"
#include "scheduler/scheduler.h"
#include "server/reactor_bridge.h"
#include "server/worker_service.h"

namespace kiln {

class WorkerStreamReactor final : public grpc::ServerBidiReactor<wire::WorkerMessage, wire::SchedulerMessage> {
 public:
  // `principal`: who the worker authenticated as (empty without authentication). Its
  // registration and every result it reports carry it: "PRINCIPAL/ID" rather than the id the
  // worker claims, so one principal cannot pose as another's worker.
  WorkerStreamReactor(grpc::CallbackServerContext* context, Scheduler* scheduler, ActionCache* cache,
                      LogStreamRegistry* log_streams, ConnectedWorkers* connected, std::string principal,
                      ActionMetrics* action_metrics = nullptr, WorkerStorage storage = {});

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  struct Held {
    WorkAssignment assignment;
    bool cancellation_sent = false;
    std::optional<ActionLogStreams> logs;
  };

  // A protocol violation or a refused Hello ends the stream with that status.
  Status Handle(const wire::WorkerMessage& message);
  Status Register(const wire::Hello& hello);
  void Started(const wire::ExecutionStarted& started);
  void RequestWork();
  // Takes over what the worker says it still runs from an earlier stream, each attempt the
  // scheduler confirms is still that worker's: held as if assigned here (leases renewed,
  // reports taken, cancellations sent).
  void AdoptRunning(const wire::Hello& hello);
  // Tells OnOperationUpdate about every change of `name` until it is done.
  static void WatchHeld(Scheduler* scheduler, const std::shared_ptr<ReactorBridge<WorkerStreamReactor>>& bridge,
                        const std::string& name);
  void Complete(const wire::ExecutionFinished& finished);
  void TakeHints(const wire::StorageHints& hints);
  // From the ring publisher, under the bridge's lock.
  void SendRing(const StorageRingConfig& ring);
  // From the scheduler, under the bridge's lock.
  void Assign(WorkAssignment assignment);
  // Every update of an operation assigned to this stream: tells the worker to stop when the
  // assignment it holds was cancelled or taken back.
  void OnOperationUpdate(const std::string& operation_name, bool done);
  // REQUIRES: mutex_ held. Queues `message`; true if the caller must StartWrite(&current_)
  // once it has released the lock.
  bool QueueWrite(wire::SchedulerMessage message);
  // Unregisters the worker and finishes the stream (once a write in flight is done).
  void End(const grpc::Status& status);
  void Unregister();

  grpc::CallbackServerContext* const context_;
  Scheduler* const scheduler_;
  ActionCache* const cache_;
  LogStreamRegistry* const log_streams_;
  ConnectedWorkers* const connected_;
  const std::string principal_;
  ActionMetrics* const action_metrics_;  // Null: no metrics.
  const WorkerStorage storage_;
  std::shared_ptr<ReactorBridge<WorkerStreamReactor>> bridge_;  // Held by scheduler callbacks.
  wire::WorkerMessage incoming_;  // Owned by gRPC while a read is outstanding.
  bool hints_refusal_logged_ = false;  // Read thread only.

  // Registration, work requests and unregistration are serialized, so that a stream ending
  // while its Hello is handled never leaves the worker registered, and no work request
  // outlives the registration. Never taken inside the other locks (scheduler callbacks
  // made while it is held take those).
  std::mutex registration_mutex_;
  std::string worker_id_;     // Set once by Register (on the read thread).
  bool registered_ = false;
  bool unregistered_ = false;
  uint64_t ring_subscription_ = 0;  // 0: none.

  std::mutex mutex_;
  bool closing_ = false;   // End was called: nothing new is written or assigned.
  bool writing_ = false;   // A StartWrite is outstanding; current_ belongs to gRPC.
  bool finished_ = false;  // Finish was called.
  grpc::Status finish_status_;
  wire::SchedulerMessage current_;
  std::deque<wire::SchedulerMessage> pending_;
  std::map<std::string, Held> held_;  // By operation name: assignments the worker holds.
};

}  // namespace kiln
