#include "client/remote_worker.h"

#include <algorithm>
#include <iostream>

#include "client/frontend_rotation.h"
#include "client/log_stream_writer.h"
#include "common/proto_digest.h"
#include "common/rpc_status.h"
#include "worker/storage_hint_message.h"
#include "worker/storage_ring_message.h"

namespace kiln {
namespace {

wire::WorkerMessage WorkRequestMessage() {
  wire::WorkerMessage message;
  message.mutable_work_request();
  return message;
}

// Forwards the command's output to the assignment's log streams, if it names any; the
// follower finishes both writes when destroyed.
std::unique_ptr<OutputFollower> FollowIntoFrontend(google::bytestream::ByteStream::Stub* bytestream,
                                                   const wire::Assignment& assignment) {
  std::unique_ptr<OutputSink> out, err;
  if (!assignment.stdout_log_write_name().empty()) {
    out = std::make_unique<LogStreamWriter>(bytestream, assignment.stdout_log_write_name());
  }
  if (!assignment.stderr_log_write_name().empty()) {
    err = std::make_unique<LogStreamWriter>(bytestream, assignment.stderr_log_write_name());
  }
  if (!out && !err) return nullptr;
  return std::make_unique<OutputFollower>(std::move(out), std::move(err));
}

StatusOr<Digest> AssignedActionDigest(const wire::Assignment& assignment) {
  auto function = ResolveDigestFunction(assignment.digest_function(), assignment.action_digest().hash());
  if (!function.ok()) return function.status().WithContext("assignment action_digest");
  return FromProto(*function, assignment.action_digest(), "assignment action_digest");
}

}  // namespace

RemoteWorker::RemoteWorker(std::vector<RemoteWorkerFrontend> frontends, ActionExecutor* executor,
                           RemoteWorkerOptions options)
    : executor_(executor), options_(std::move(options)) {
  for (RemoteWorkerFrontend& frontend : frontends) {
    frontends_.push_back({std::move(frontend.target), wire::WorkerService::NewStub(frontend.channel),
                          google::bytestream::ByteStream::NewStub(frontend.channel)});
  }
}

RemoteWorker::~RemoteWorker() {
  Stop();
  for (auto& slot : slots_) {
    if (slot.joinable()) slot.join();
  }
  if (hint_sender_.joinable()) hint_sender_.join();
}

void RemoteWorker::Run() {
  for (int i = 0; i < std::max(1, options_.slots); ++i) slots_.emplace_back([this] { RunSlot(); });
  if (options_.hints) hint_sender_ = std::thread([this] { RunHintSender(); });
  FrontendRotation rotation({frontends_.size(), options_.initial_backoff, options_.max_backoff, options_.random});
  while (true) {
    Status ended;
    const size_t frontend = rotation.current();
    const bool accepted = RunSession(frontend, &ended);
    std::unique_lock lock(mutex_);
    if (stopping_) break;
    const Duration delay = accepted ? rotation.AfterSession() : rotation.AfterFailure();
    std::cerr << "kiln worker: " << (accepted ? "lost the connection to " : "cannot connect to ")
              << frontends_[frontend].target << " (" << ended.ToString() << "); connecting to "
              << frontends_[rotation.current()].target << " in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(delay).count() << " ms" << std::endl;
    if (stopped_.wait_for(lock, delay, [this] { return stopping_; })) break;
  }
  // Stop() cancelled the running jobs and woke the slots; they leave once those are done.
  for (auto& slot : slots_) slot.join();
  slots_.clear();
  if (hint_sender_.joinable()) hint_sender_.join();
}

void RemoteWorker::Stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  for (auto& [key, cancelled] : jobs_) *cancelled = true;
  if (session_) session_->Cancel();
  if (options_.hints) options_.hints->StopWaiting();
  jobs_ready_.notify_all();
  stopped_.notify_all();
  accepted_.notify_all();
}

bool RemoteWorker::RunSession(size_t frontend, Status* ended_with) {
  auto session = std::make_shared<RemoteWorkerSession>();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    session_ = session;  // From here on, Stop() can cut Open short.
    session_frontend_ = frontend;
    hints_accepted_ = false;  // Until this frontend's ring says so.
  }
  wire::Hello hello;
  hello.set_worker_id(options_.worker_id);
  hello.set_slots(static_cast<uint32_t>(std::max(1, options_.slots)));
  for (const auto& [name, value] : options_.platform) {
    auto* property = hello.add_platform();
    property->set_name(name);
    property->set_value(value);
  }
  {
    // Those still running for an earlier stream: the new frontend keeps their leases (after
    // a Redis failover it may hold nothing else to go by). Cancelled ones never report.
    std::lock_guard lock(mutex_);
    for (const auto& [key, cancelled] : jobs_) {
      if (cancelled->load()) continue;
      auto* held = hello.add_running();
      held->set_operation_name(std::get<1>(key));
      held->set_attempt(std::get<2>(key));
    }
  }
  Status opened = session->Open(*frontends_[frontend].workers, hello);
  if (!opened.ok()) {
    std::lock_guard lock(mutex_);
    session_.reset();
    *ended_with = opened;
    return false;
  }
  // Before any work is asked for: the executor's CAS must be this frontend's by then.
  if (options_.on_connected) options_.on_connected(frontend);
  int free_slots;
  {
    std::lock_guard lock(mutex_);
    accepting_ = true;
    // Slots still running actions of an earlier stream ask for work once they are free.
    free_slots = std::max(1, options_.slots) - busy_;
  }
  accepted_.notify_all();
  for (int i = 0; i < free_slots; ++i) session->Send(WorkRequestMessage());

  wire::SchedulerMessage message;
  while (session->Read(&message)) {
    if (message.has_assignment()) Accept(session, frontend, std::move(*message.mutable_assignment()));
    if (message.has_cancellation()) Cancel(message.cancellation());
    if (message.has_storage_ring()) AnnounceRing(frontend, message.storage_ring());
  }
  {
    std::lock_guard lock(mutex_);
    accepting_ = false;
    hints_accepted_ = false;
    session_.reset();
    // Running actions go on and report elsewhere (see the header); those not started yet
    // are left to the frontend, which re-queues them.
    CancelQueuedJobsOf(session.get());
  }
  *ended_with = session->Close();
  return true;
}

void RemoteWorker::AnnounceRing(size_t frontend, const wire::StorageRing& message) {
  if (!options_.on_storage_ring) return;
  auto ring = StorageRingFromMessage(message);
  if (!ring.ok()) {
    // Reads and writes stay with the frontend: a worker cannot place blobs on a ring it
    // does not understand.
    std::cerr << "kiln worker: ignoring the storage ring " << frontends_[frontend].target
              << " sent: " << ring.status().ToString() << std::endl;
    return;
  }
  options_.on_storage_ring(*ring);
  std::lock_guard lock(mutex_);
  hints_accepted_ = message.accepts_storage_hints();
}

void RemoteWorker::RunHintSender() {
  constexpr Duration kNoFrontendRetry = std::chrono::seconds(2);
  while (true) {
    const bool queued = options_.hints->WaitForQueued(std::chrono::seconds(30));
    std::shared_ptr<RemoteWorkerSession> session;
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      if (!queued) continue;
      // A burst collects meanwhile; a report may send it first (RunJob), which is fine.
      if (stopped_.wait_for(lock, options_.hint_batch_delay, [this] { return stopping_; })) return;
      if (accepting_ && hints_accepted_) session = session_;
      // No frontend takes them now: they wait (bounded) for one that does.
      if (!session && stopped_.wait_for(lock, kNoFrontendRetry, [this] { return stopping_; })) return;
    }
    if (session) SendHints(*session);
  }
}

std::shared_ptr<RemoteWorkerSession> RemoteWorker::HintSession() {
  std::lock_guard lock(mutex_);
  return accepting_ && hints_accepted_ && !stopping_ ? session_ : nullptr;
}

void RemoteWorker::SendHints(RemoteWorkerSession& session) {
  // One sender at a time: a report waits for hints another thread took to be written.
  std::lock_guard sending(hint_send_mutex_);
  while (true) {
    std::vector<BlobHint> batch = options_.hints->TakeQueued(kMaxStorageHintsPerMessage);
    if (batch.empty()) return;
    wire::WorkerMessage message;
    *message.mutable_storage_hints() = StorageHintsMessage(batch);
    if (!session.Send(message)) {
      options_.hints->Requeue(std::move(batch));
      return;
    }
  }
}

void RemoteWorker::Accept(const std::shared_ptr<RemoteWorkerSession>& session, size_t frontend,
                          wire::Assignment assignment) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;  // The stream is being cancelled; the frontend re-queues it.
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  jobs_[{session.get(), assignment.operation_name(), assignment.attempt()}] = cancelled;
  ++busy_;
  queue_.push_back(Job{session, frontend, std::move(assignment), std::move(cancelled)});
  jobs_ready_.notify_one();
}

void RemoteWorker::Cancel(const wire::Cancellation& cancellation) {
  std::lock_guard lock(mutex_);
  // Unknown: already finished. Attempt 0 (an older frontend): every attempt of it. Jobs of
  // earlier streams too: the frontend adopted those it was told of in the Hello.
  const std::string& name = cancellation.operation_name();
  for (const auto& [key, cancelled] : jobs_) {
    if (std::get<1>(key) != name) continue;
    if (cancellation.attempt() == 0 || std::get<2>(key) == cancellation.attempt()) *cancelled = true;
  }
}

void RemoteWorker::CancelQueuedJobsOf(const RemoteWorkerSession* session) {
  for (const Job& job : queue_) {
    if (job.session.get() == session) *job.cancelled = true;
  }
}

void RemoteWorker::RunSlot() {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      jobs_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    RunJob(job);
    std::shared_ptr<RemoteWorkerSession> ask;
    {
      std::lock_guard lock(mutex_);
      jobs_.erase({job.session.get(), job.assignment.operation_name(), job.assignment.attempt()});
      --busy_;
      // The current stream, which need not be the job's: a slot freed after a reconnect
      // was not counted among the free slots when that stream opened.
      if (accepting_ && !stopping_) ask = session_;
    }
    if (ask) ask->Send(WorkRequestMessage());
  }
}

void RemoteWorker::RunJob(const Job& job) {
  const wire::Assignment& assignment = job.assignment;
  ExecutionOutcome outcome;
  bool ran = false;
  StatusOr<Digest> action_digest = AssignedActionDigest(assignment);
  if (!action_digest.ok()) {
    outcome.status = action_digest.status();
  } else if (*job.cancelled) {
    outcome.status = Status::Cancelled("cancelled before it started");
  } else {
    ran = true;
    wire::WorkerMessage started;
    started.mutable_started()->set_operation_name(assignment.operation_name());
    started.mutable_started()->set_attempt(assignment.attempt());
    job.session->Send(started);
    std::unique_ptr<OutputFollower> follower =
        FollowIntoFrontend(frontends_[job.frontend].bytestream.get(), assignment);
    outcome = executor_->Execute(*action_digest, assignment.action(), assignment.command(), *job.cancelled,
                                 follower.get());
    follower.reset();  // Finishes the log stream writes before the result is reported.
  }
  // The hints of this action's output writes reach the frontend before its result does.
  if (options_.hints) {
    if (std::shared_ptr<RemoteWorkerSession> session = HintSession()) SendHints(*session);
  }
  wire::WorkerMessage finished;
  wire::ExecutionFinished& report = *finished.mutable_finished();
  report.set_operation_name(assignment.operation_name());
  report.set_attempt(assignment.attempt());
  *report.mutable_result() = std::move(outcome.result);
  *report.mutable_status() = ToRpcStatus(outcome.status);
  if (job.session->Send(finished) || !ran) return;
  ReportOrphaned(job, finished);
}

void RemoteWorker::ReportOrphaned(const Job& job, const wire::WorkerMessage& finished) {
  const std::string& operation = job.assignment.operation_name();
  std::shared_ptr<RemoteWorkerSession> current;
  size_t frontend = 0;
  {
    std::unique_lock lock(mutex_);
    const bool open = accepted_.wait_for(lock, options_.orphan_report_timeout, [&] {
      return stopping_ || (accepting_ && session_ != job.session);
    });
    if (stopping_) return;  // Stop() cancelled the action anyway.
    if (open) {
      current = session_;
      frontend = session_frontend_;
    }
  }
  if (!current) {
    std::cerr << "kiln worker: dropping the result of " << operation << ": its stream to "
              << frontends_[job.frontend].target << " ended, and no frontend took the worker back in time"
              << std::endl;
    return;
  }
  const bool sent = current->Send(finished);
  std::cerr << "kiln worker: " << (sent ? "reported " : "could not report ") << operation << " through "
            << frontends_[frontend].target << ", its stream to " << frontends_[job.frontend].target
            << " having ended" << std::endl;
}

}  // namespace kiln
