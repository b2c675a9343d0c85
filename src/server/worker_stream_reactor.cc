#include "server/worker_stream_reactor.h"

#include <iostream>

#include "common/proto_digest.h"
#include "execution/outcome_recorder.h"
#include "google/rpc/error_details.pb.h"
#include "server/grpc_status.h"
#include "worker/storage_ring_message.h"

namespace kiln {
namespace {

// The reverse of ToRpcStatus, for what a worker reports: missing inputs come back as the
// PreconditionFailure subjects REAPI clients expect in ExecuteResponse.status.
Status FromRpcStatus(const google::rpc::Status& status) {
  if (status.code() == 0) return Status::Ok();
  const bool known = status.code() > 0 && status.code() <= static_cast<int>(StatusCode::kUnauthenticated);
  Status out(known ? static_cast<StatusCode>(status.code()) : StatusCode::kUnknown, status.message());
  std::vector<std::string> missing;
  for (const auto& detail : status.details()) {
    google::rpc::PreconditionFailure failure;
    if (!detail.UnpackTo(&failure)) continue;
    for (const auto& violation : failure.violations()) {
      if (violation.type() == "MISSING") missing.push_back(violation.subject());
    }
  }
  return missing.empty() ? out : out.WithMissingBlobs(std::move(missing));
}

wire::SchedulerMessage AssignmentMessage(const WorkAssignment& assignment) {
  const QueuedAction& action = *assignment.action;
  wire::SchedulerMessage message;
  wire::Assignment& out = *message.mutable_assignment();
  out.set_operation_name(assignment.operation_name);
  out.set_instance_name(action.instance_name);
  *out.mutable_action_digest() = ToProto(action.action_digest);
  out.set_digest_function(ToProto(action.action_digest.function()));
  *out.mutable_action() = action.action;
  *out.mutable_command() = action.command;
  out.set_attempt(static_cast<uint32_t>(assignment.attempt));
  return message;
}

wire::SchedulerMessage CancellationMessage(const std::string& operation_name, int attempt) {
  wire::SchedulerMessage message;
  message.mutable_cancellation()->set_operation_name(operation_name);
  message.mutable_cancellation()->set_attempt(static_cast<uint32_t>(attempt));
  return message;
}

// Whether a report names the attempt held. 0 comes from workers that predate the field.
bool SameAttempt(const WorkAssignment& held, uint32_t reported) {
  return reported == 0 || reported == static_cast<uint32_t>(held.attempt);
}

}  // namespace

WorkerStreamReactor::WorkerStreamReactor(grpc::CallbackServerContext* context, Scheduler* scheduler,
                                         ActionCache* cache, LogStreamRegistry* log_streams,
                                         ConnectedWorkers* connected, std::string principal,
                                         ActionMetrics* action_metrics, WorkerStorage storage)
    : context_(context),
      scheduler_(scheduler),
      cache_(cache),
      log_streams_(log_streams),
      connected_(connected),
      principal_(std::move(principal)),
      action_metrics_(action_metrics),
      storage_(storage),
      bridge_(ReactorBridge<WorkerStreamReactor>::For(this)) {
  connected_->StreamOpened();
  StartRead(&incoming_);
}

void WorkerStreamReactor::OnReadDone(bool ok) {
  if (!ok) {
    End(grpc::Status::OK);  // The worker closed its side, or the connection broke.
    return;
  }
  Status handled = Handle(incoming_);
  if (!handled.ok()) {
    End(ToGrpcStatus(handled));
    return;
  }
  {
    std::lock_guard lock(mutex_);
    if (closing_) return;
  }
  StartRead(&incoming_);
}

Status WorkerStreamReactor::Handle(const wire::WorkerMessage& message) {
  if (message.has_hello()) {
    if (registered_) return Status::InvalidArgument("Hello may only be sent once per stream");
    Status registered = Register(message.hello());
    if (registered.ok()) AdoptRunning(message.hello());
    return registered;
  }
  // registered_ is only written on this (the read) thread, so reading it here is safe.
  if (!registered_) return Status::InvalidArgument("the first message on a worker stream must be Hello");
  switch (message.message_case()) {
    case wire::WorkerMessage::kWorkRequest:
      RequestWork();
      return Status::Ok();
    case wire::WorkerMessage::kStarted:
      Started(message.started());
      return Status::Ok();
    case wire::WorkerMessage::kFinished:
      Complete(message.finished());
      return Status::Ok();
    case wire::WorkerMessage::kStorageHints:
      TakeHints(message.storage_hints());
      return Status::Ok();
    default:
      return Status::InvalidArgument("empty WorkerMessage");
  }
}

void WorkerStreamReactor::Started(const wire::ExecutionStarted& started) {
  OutputStreamNames streams;
  int attempt;
  {
    std::lock_guard lock(mutex_);
    auto it = held_.find(started.operation_name());
    // Not (or no longer) this worker's, or an attempt taken back: ignore.
    if (it == held_.end() || !SameAttempt(it->second.assignment, started.attempt())) return;
    attempt = it->second.assignment.attempt;
    if (it->second.logs) streams = it->second.logs->read_names();
  }
  scheduler_->ReportExecuting(started.operation_name(), worker_id_, attempt, streams);
}

Status WorkerStreamReactor::Register(const wire::Hello& hello) {
  if (hello.worker_id().empty()) return Status::InvalidArgument("Hello.worker_id must not be empty");
  const std::string worker_id = principal_.empty() ? hello.worker_id() : principal_ + "/" + hello.worker_id();
  std::vector<std::pair<std::string, std::string>> properties = HostDefaultPlatform().properties();
  for (const auto& property : hello.platform()) {
    if (property.name().empty()) return Status::InvalidArgument("Hello.platform has a property without a name");
    properties.emplace_back(property.name(), property.value());
  }
  if (!connected_->Claim(worker_id)) {
    return Status(StatusCode::kAlreadyExists, "a worker with id \"" + worker_id + "\" is already connected");
  }
  {
    std::lock_guard lock(registration_mutex_);
    if (unregistered_) {  // The stream ended meanwhile (OnCancel on another thread).
      connected_->Release(worker_id);
      return Status::Cancelled("the stream ended");
    }
    worker_id_ = worker_id;
    registered_ = true;
    scheduler_->AddWorker(worker_id_, Platform(std::move(properties)), static_cast<int>(hello.slots()));
    // Under the lock: End finishes the stream (which also sends initial metadata) only
    // after Unregister, so the two never touch the metadata at once.
    context_->AddInitialMetadata(kWorkerRegisteredMetadataKey, "1");
    StartSendInitialMetadata();
    // The worker asks for work only once it has the metadata, so the ring goes out before
    // any assignment.
    if (storage_.rings) {
      ring_subscription_ = storage_.rings->Subscribe([bridge = bridge_](const StorageRingConfig& ring) {
        bridge->Call([&](WorkerStreamReactor& reactor) { reactor.SendRing(ring); });
      });
    }
  }
  return Status::Ok();
}

void WorkerStreamReactor::RequestWork() {
  // Under the registration lock: once this stream is unregistered, a request would be
  // filed under a worker id that a new connection may have claimed meanwhile.
  std::lock_guard registration(registration_mutex_);
  if (unregistered_) return;
  Scheduler* scheduler = scheduler_;
  scheduler_->RequestWork(worker_id_, [bridge = bridge_, scheduler](std::optional<WorkAssignment> assignment) {
    if (!assignment) return;  // Withdrawn: the stream is ending.
    const std::string name = assignment->operation_name;
    // A reactor that is gone has unregistered its worker, and the scheduler re-queued
    // every assignment it had made to it, this one included.
    if (!bridge->Call([&](WorkerStreamReactor& reactor) { reactor.Assign(std::move(*assignment)); })) return;
    // Outside the bridge's lock: Watch calls the listener at once, and it takes that lock.
    WatchHeld(scheduler, bridge, name);
  });
}

void WorkerStreamReactor::WatchHeld(Scheduler* scheduler,
                                    const std::shared_ptr<ReactorBridge<WorkerStreamReactor>>& bridge,
                                    const std::string& name) {
  // The watch ends by itself with the operation's done snapshot. Internal: the worker
  // service watches what the scheduler gave it, whoever owns it.
  auto watch = scheduler->Watch(Caller::Internal(), name, [bridge](const OperationSnapshot& snapshot) {
    bridge->Call([&](WorkerStreamReactor& reactor) { reactor.OnOperationUpdate(snapshot.name, snapshot.done); });
  });
  (void)watch;  // NOT_FOUND only if the operation is gone, and then there is nothing to cancel.
}

void WorkerStreamReactor::AdoptRunning(const wire::Hello& hello) {
  // A worker runs at most a few hundred actions at once; a longer list is not one.
  constexpr int kMostAdopted = 1024;
  int looked_up = 0;
  for (const wire::HeldAttempt& running : hello.running()) {
    if (running.attempt() == 0 || running.operation_name().empty()) continue;
    if (++looked_up > kMostAdopted) break;
    // Not found (or the backplane away): its lease runs out and it runs again; the late
    // report still gets the lookup Complete makes.
    auto found = scheduler_->FindAssignment(running.operation_name(), worker_id_, static_cast<int>(running.attempt()));
    if (!found.ok() || !found->has_value()) continue;
    {
      std::lock_guard lock(mutex_);
      if (closing_) return;
      held_.try_emplace(running.operation_name(), Held{std::move(**found), false, std::nullopt});
    }
    WatchHeld(scheduler_, bridge_, running.operation_name());
  }
}

void WorkerStreamReactor::Assign(WorkAssignment assignment) {
  std::optional<ActionLogStreams> logs = CreateActionLogStreams(log_streams_, assignment.action->instance_name);
  std::unique_lock lock(mutex_);
  if (closing_) {  // Unregistering re-queues it.
    lock.unlock();
    if (logs) FinalizeActionLogStreams(*log_streams_, *logs);
    return;
  }
  wire::SchedulerMessage message = AssignmentMessage(assignment);
  if (logs) {
    message.mutable_assignment()->set_stdout_log_write_name(logs->stdout_stream.write_name);
    message.mutable_assignment()->set_stderr_log_write_name(logs->stderr_stream.write_name);
  }
  const std::string name = assignment.operation_name;
  bool start = false;
  std::optional<ActionLogStreams> replaced_logs;
  if (auto previous = held_.find(name); previous != held_.end() &&
                                         previous->second.assignment.attempt == assignment.attempt) {
    // The attempt this worker already has: keep its run (and its log streams), and follow
    // the scheduler's new record of it.
    previous->second.assignment.cancelled = std::move(assignment.cancelled);
    lock.unlock();
    if (logs) FinalizeActionLogStreams(*log_streams_, *logs);
    return;
  }
  if (auto previous = held_.find(name); previous != held_.end()) {
    // The scheduler took an earlier attempt back from this worker and now gives it the
    // operation again: the earlier run must stop (its Cancellation goes first).
    if (!previous->second.cancellation_sent) {
      start = QueueWrite(CancellationMessage(name, previous->second.assignment.attempt));
    }
    replaced_logs = std::move(previous->second.logs);
  }
  held_[name] = Held{std::move(assignment), false, std::move(logs)};
  start |= QueueWrite(std::move(message));
  lock.unlock();
  if (replaced_logs) FinalizeActionLogStreams(*log_streams_, *replaced_logs);
  if (start) StartWrite(&current_);
}

void WorkerStreamReactor::SendRing(const StorageRingConfig& ring) {
  wire::SchedulerMessage message;
  *message.mutable_storage_ring() = StorageRingMessage(ring);
  message.mutable_storage_ring()->set_accepts_storage_hints(storage_.hints != nullptr);
  std::unique_lock lock(mutex_);
  if (closing_) return;
  const bool start = QueueWrite(std::move(message));
  lock.unlock();
  if (start) StartWrite(&current_);
}

void WorkerStreamReactor::OnOperationUpdate(const std::string& operation_name, bool done) {
  // Done while the worker still holds it: cancelled (a worker's own completion removes the
  // assignment from held_ before it is reported). Flagged but not done: the scheduler took
  // this attempt back and re-queued the operation.
  std::unique_lock lock(mutex_);
  auto it = held_.find(operation_name);
  if (closing_ || it == held_.end()) return;
  Held& held = it->second;
  const bool taken_back = held.assignment.cancelled->load();
  if (!done && !taken_back) return;
  bool start = false;
  if (!held.cancellation_sent) {
    held.cancellation_sent = true;
    start = QueueWrite(CancellationMessage(operation_name, held.assignment.attempt));
  }
  std::optional<ActionLogStreams> logs;
  if (!done) {
    // Forgotten at once: the worker's report, if it ever comes, is ignored, and a silent
    // worker must not pile up abandoned assignments (each holds its Action and Command).
    logs = std::move(held.logs);
    held_.erase(it);
  }
  lock.unlock();
  if (logs) FinalizeActionLogStreams(*log_streams_, *logs);
  if (start) StartWrite(&current_);
}

void WorkerStreamReactor::Complete(const wire::ExecutionFinished& finished) {
  std::optional<WorkAssignment> assignment;
  std::optional<ActionLogStreams> logs;
  bool held = false;
  {
    std::lock_guard lock(mutex_);
    auto it = held_.find(finished.operation_name());
    if (it != held_.end()) {
      // An attempt taken back from this worker: ignore, and record nothing.
      if (!SameAttempt(it->second.assignment, finished.attempt())) return;
      assignment = std::move(it->second.assignment);
      logs = std::move(it->second.logs);
      held_.erase(it);
      held = true;
    }
  }
  if (!held) {
    // Not given on this stream: an action the worker ran for another frontend (or an
    // earlier stream of its own) that went away, whose result it reports here after moving.
    // Accepted if the scheduler still has that attempt with this worker; otherwise another
    // worker's operation, one it never got, or one taken back: ignored, nothing recorded.
    if (finished.attempt() == 0) return;
    auto found = scheduler_->FindAssignment(finished.operation_name(), worker_id_,
                                            static_cast<int>(finished.attempt()));
    if (!found.ok()) {
      // Rare (the backplane away at this very moment): the attempt stays with the worker
      // until its report deadline, and is then tried again.
      std::cerr << "kiln: the result of " << finished.operation_name() << " from worker " << worker_id_
                << " is lost: " << found.status().ToString() << std::endl;
      return;
    }
    if (!found->has_value()) return;
    assignment = std::move(**found);
  }
  // The worker finished its writes before reporting; this ends streams it left open.
  if (logs) FinalizeActionLogStreams(*log_streams_, *logs);
  // Cancelled, or taken back between the update that would have told us and this report:
  // the scheduler ignores the report, and the action cache must not get it either (an
  // abandoned attempt's result could land after, and over, the re-run's). The flag is set
  // under the scheduler's lock; a take-back racing this very line still lets the result
  // into the cache: one this worker could as well have reported a moment earlier. A
  // cancelled operation's result is not cached either (it was most likely killed anyway).
  if (assignment->cancelled->load()) return;
  ExecutionOutcome outcome{finished.result(), FromRpcStatus(finished.status())};
  if (!principal_.empty()) {
    // Who ran it, as authenticated: what the worker says of itself follows its principal.
    auto* metadata = outcome.result.mutable_execution_metadata();
    metadata->set_worker(principal_ + "/" + metadata->worker());
  }
  reapi::ExecuteResponse response = RecordOutcome(*cache_, *assignment->action, std::move(outcome), action_metrics_);
  scheduler_->ReportCompleted(assignment->operation_name, worker_id_, assignment->attempt, std::move(response));
}

void WorkerStreamReactor::TakeHints(const wire::StorageHints& hints) {
  // A frontend without a list of its own never said it takes hints; a worker sending them
  // anyway loses nothing but the message.
  if (!storage_.hints) return;
  const WorkerHintCounts counts = storage_.hints->Accept(hints);
  // Once per stream: the metric counts them all, and a worker could send many.
  if (counts.refused > 0 && !hints_refusal_logged_) {
    hints_refusal_logged_ = true;
    std::cerr << "kiln: refused " << counts.refused << " of " << hints.hints_size() << " storage hints from worker "
              << worker_id_ << " (not of this frontend's ring, or not a valid digest); further refusals of this "
              << "stream are only counted" << std::endl;
  }
}

bool WorkerStreamReactor::QueueWrite(wire::SchedulerMessage message) {
  if (writing_) {
    pending_.push_back(std::move(message));
    return false;
  }
  writing_ = true;
  current_ = std::move(message);
  return true;
}

void WorkerStreamReactor::OnWriteDone(bool ok) {
  // End leaves the Finish to us while writing_ is still set.
  if (!ok) End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "writing to the worker failed"));
  std::unique_lock lock(mutex_);
  writing_ = false;
  if (closing_) {
    if (finished_) return;
    finished_ = true;
    const grpc::Status status = finish_status_;
    lock.unlock();
    Finish(status);
    return;
  }
  if (pending_.empty()) return;
  writing_ = true;
  current_ = std::move(pending_.front());
  pending_.pop_front();
  lock.unlock();
  StartWrite(&current_);
}

void WorkerStreamReactor::OnCancel() { End(grpc::Status(grpc::StatusCode::CANCELLED, "the worker went away")); }

void WorkerStreamReactor::End(const grpc::Status& status) {
  std::map<std::string, Held> lost;
  {
    std::lock_guard lock(mutex_);
    if (closing_) return;
    closing_ = true;
    finish_status_ = status;
    pending_.clear();
    lost.swap(held_);  // The scheduler re-queues them when the worker is removed.
  }
  for (const auto& [name, held] : lost) {
    if (held.logs) FinalizeActionLogStreams(*log_streams_, *held.logs);
  }
  Unregister();
  std::unique_lock lock(mutex_);
  // With a write in flight, OnWriteDone finishes (Finish must not overlap a write).
  if (writing_ || finished_) return;
  finished_ = true;
  lock.unlock();
  Finish(status);
}

void WorkerStreamReactor::Unregister() {
  std::lock_guard lock(registration_mutex_);
  if (unregistered_) return;
  unregistered_ = true;
  if (ring_subscription_ != 0) storage_.rings->Unsubscribe(ring_subscription_);
  if (!registered_) return;
  // Removing the worker withdraws its work requests and re-queues its running actions.
  // Only then is the id released, so that a reconnecting worker with the same id is not
  // unregistered by this late removal.
  scheduler_->RemoveWorker(worker_id_);
  connected_->Release(worker_id_);
}

void WorkerStreamReactor::OnDone() {
  Unregister();  // Already done by End on every path; kept so that no path can leak.
  bridge_->Detach();
  connected_->StreamClosed();
  delete this;
}

}  // namespace kiln
