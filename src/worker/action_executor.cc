// The phases of one action, in order: prepare (work directory, inputs, directories the
// command expects), run, upload (stdout/stderr, then outputs), clean up. Each phase's
// timestamps go into ExecutedActionMetadata; the work directory is removed whatever
// happened, by WorkDirectory's destructor.
#include "worker/action_executor.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include "common/file_util.h"
#include "common/proto_digest.h"
#include "worker/cas_uploader.h"
#include "worker/command_paths.h"
#include "worker/input_stager.h"
#include "worker/output_collector.h"
#include "worker/path_beneath.h"
#include "worker/work_directory.h"

namespace kiln {
namespace {

void Stamp(google::protobuf::Timestamp* field, std::chrono::system_clock::time_point time) {
  const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  field->set_seconds(since_epoch / 1'000'000'000);
  field->set_nanos(static_cast<int32_t>(since_epoch % 1'000'000'000));
}

void StampNow(google::protobuf::Timestamp* field) { Stamp(field, std::chrono::system_clock::now()); }

Duration EffectiveTimeout(const reapi::Action& action, const ActionExecutorOptions& options) {
  const Duration requested = std::chrono::seconds(action.timeout().seconds()) + std::chrono::nanoseconds(action.timeout().nanos());
  return std::min(requested > Duration::zero() ? requested : options.default_timeout, options.max_timeout);
}

// Only honoured by the sandbox runner. The property names are the ones clients already
// use with other REAPI servers (Bazel's docker strategy: dockerNetwork=standard).
bool AllowsNetwork(const reapi::Platform& platform) {
  for (const auto& property : platform.properties()) {
    if (property.name() == "dockerNetwork" && property.value() == "standard") return true;
    if (property.name() == "network" && (property.value() == "on" || property.value() == "enabled")) return true;
  }
  return false;
}

std::string AbsolutePath(const std::string& root, const std::vector<std::string>& components) {
  std::string path = root;
  for (const std::string& component : components) path += "/" + component;
  return path;
}

// One Execute call's state.
class ActionRun {
 public:
  ActionRun(const ActionExecutorOptions& options, WorkDirectoryPool& work_directories, const Digest& action_digest,
            const reapi::Action& action, const reapi::Command& command, const std::atomic<bool>& cancelled,
            CommandObserver* observer, reapi::ActionResult& result)
      : options_(options),
        work_directories_(work_directories),
        action_digest_(action_digest),
        action_(action),
        command_(command),
        cancelled_(cancelled),
        observer_(observer),
        result_(result),
        metadata_(*result.mutable_execution_metadata()),
        uploader_(options.cas, action_digest.function()) {}

  Status Execute() {
    deadline_ = options_.clock->Now() + EffectiveTimeout(action_, options_);
    auto paths = ResolveCommandPaths(command_);
    if (!paths.ok()) return paths.status();
    auto limits = LimitsForAction(options_.limits, EffectivePlatform());
    if (!limits.ok()) return limits.status();
    limits_ = *limits;
    auto work = work_directories_.Acquire(action_digest_.hash().substr(0, 16));
    if (!work.ok()) return work.status().WithContext("creating the work directory");
    auto root_fd = OpenDirectory((*work)->input_root());
    if (!root_fd.ok()) return root_fd.status();
    Status prepared = Prepare(root_fd->get(), *paths);
    if (prepared.code() == StatusCode::kDeadlineExceeded) return prepared.WithContext(TimedOutMessage());
    KILN_RETURN_IF_ERROR(prepared);
    if (cancelled_.load()) return Status::Cancelled("cancelled before the command started");
    if (options_.clock->Now() >= deadline_) {
      return Status(StatusCode::kDeadlineExceeded, TimedOutMessage() + " before the command started");
    }
    auto run = Run(**work, *paths);
    StampNow(metadata_.mutable_output_upload_start_timestamp());
    Status status = Finish(run, **work, root_fd->get(), *paths);
    StampNow(metadata_.mutable_output_upload_completed_timestamp());
    return status;
  }

 private:
  Status Prepare(int root_fd, const CommandPaths& paths) {
    StampNow(metadata_.mutable_input_fetch_start_timestamp());
    Status status = StageInputs(root_fd);
    StampNow(metadata_.mutable_input_fetch_completed_timestamp());
    KILN_RETURN_IF_ERROR(status);
    return CreateCommandDirectories(root_fd, paths);
  }

  Status StageInputs(int root_fd) {
    auto root = FromProto(action_digest_.function(), action_.input_root_digest(), "action.input_root_digest");
    if (!root.ok()) return root.status();
    InputStagerOptions staging;
    staging.cas = options_.cas;
    staging.function = action_digest_.function();
    staging.hardlink = options_.input_hardlinks == InputHardlinks::kAlways;
    staging.local_blob_path = options_.local_blob_path;
    staging.max_message_bytes = options_.max_message_bytes;
    staging.clock = options_.clock;
    staging.deadline = deadline_;
    InputStager stager(staging, cancelled_);
    return stager.Stage(*root, root_fd);
  }

  StatusOr<RunResult> Run(const WorkDirectory& work, const CommandPaths& paths) {
    RunRequest request;
    request.arguments.assign(command_.arguments().begin(), command_.arguments().end());
    for (const auto& variable : command_.environment_variables()) {
      request.environment.emplace_back(variable.name(), variable.value());
    }
    request.input_root = work.input_root();
    request.working_directory = AbsolutePath(work.input_root(), paths.working_directory);
    request.stdout_path = work.stdout_path();
    request.stderr_path = work.stderr_path();
    request.timeout = deadline_ - options_.clock->Now();  // Staging used the rest.
    request.allow_network = AllowsNetwork(EffectivePlatform());
    request.limits = {limits_.max_processes, limits_.max_memory_bytes, limits_.max_file_bytes, limits_.max_log_bytes,
                      options_.limits.nice};
    StampNow(metadata_.mutable_execution_start_timestamp());
    if (observer_) observer_->CommandStarting(request.stdout_path, request.stderr_path);
    auto run = options_.runner->Run(request, cancelled_);
    if (observer_) observer_->CommandEnded();
    if (run.ok()) {
      Stamp(metadata_.mutable_execution_start_timestamp(), run->started);
      Stamp(metadata_.mutable_execution_completed_timestamp(), run->finished);
    } else {
      StampNow(metadata_.mutable_execution_completed_timestamp());
    }
    return run;
  }

  // Action.platform, or the deprecated Command.platform that REAPI v2.0 clients send.
  const reapi::Platform& EffectivePlatform() const {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return action_.platform().properties().empty() ? command_.platform() : action_.platform();
#pragma GCC diagnostic pop
  }

  // Uploads what the run left and decides the status. stdout/stderr are kept even after a
  // timeout or cancellation (the partial log is what explains a hang); outputs of a killed
  // command are not collected.
  Status Finish(const StatusOr<RunResult>& run, const WorkDirectory& work, int root_fd, const CommandPaths& paths) {
    if (!run.ok()) return run.status();
    result_.set_exit_code(run->exit_code);
    KILN_RETURN_IF_ERROR(UploadLog(work.stdout_path(), result_.mutable_stdout_digest()));
    KILN_RETURN_IF_ERROR(UploadLog(work.stderr_path(), result_.mutable_stderr_digest()));
    if (run->timed_out) return Status(StatusCode::kDeadlineExceeded, TimedOutMessage());
    if (run->cancelled) return Status::Cancelled("the action was cancelled while running");
    KILN_RETURN_IF_ERROR(LimitBreach(*run));
    // Nested outputs would see their files moved away while the outer one is collected.
    CasUploader outputs(options_.cas, action_digest_.function(), OutputsNest(paths) ? OutputMover() : options_.move_outputs);
    outputs.SetOutputBudget(limits_.max_output_bytes, "--action-max-output-bytes or kiln:max-output-bytes");
    OutputCollector collector(&outputs, command_.output_directory_format());
    return collector.Collect(root_fd, paths, result_);
  }

  // The limits a run was killed for, as REAPI's "insufficient quota of some resource".
  Status LimitBreach(const RunResult& run) const {
    if (run.log_limit_exceeded) {
      return Status(StatusCode::kResourceExhausted,
                    "the action was killed: its stdout or stderr grew past the limit of " +
                        std::to_string(limits_.max_log_bytes) + " bytes (--action-max-log-bytes or kiln:max-log-bytes)");
    }
    if (run.memory_limit_exceeded) {
      return Status(StatusCode::kResourceExhausted,
                    "the action ran out of its memory limit of " + std::to_string(limits_.max_memory_bytes) +
                        " bytes (--action-max-memory or kiln:max-memory): the kernel killed a process of it");
    }
    if (run.process_limit_exceeded) {
      return Status(StatusCode::kResourceExhausted,
                    "the action tried to run more than " + std::to_string(limits_.max_processes) +
                        " processes at once (--action-max-processes or kiln:max-processes)");
    }
    if (limits_.max_file_bytes > 0 && run.exit_code == 128 + SIGXFSZ) {
      return Status(StatusCode::kResourceExhausted,
                    "the action was killed writing a file past the limit of " + std::to_string(limits_.max_file_bytes) +
                        " bytes per file (--action-max-file-bytes or kiln:max-file-bytes)");
    }
    return Status::Ok();
  }

  std::string TimedOutMessage() const {
    std::ostringstream message;
    message << "the action timed out after " << std::chrono::duration<double>(EffectiveTimeout(action_, options_)).count() << "s";
    return message.str();
  }

  Status UploadLog(const std::string& path, reapi::Digest* field) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid() && errno == ENOENT) {  // The runner never got to create it: no output.
      *field = ToProto(Digest::Empty(action_digest_.function()));
      return Status::Ok();
    }
    if (!fd.valid()) return ErrnoStatus("open", path, errno);
    auto digest = uploader_.UploadFile(fd.get(), path);
    if (!digest.ok()) return digest.status();
    *field = ToProto(*digest);
    return Status::Ok();
  }

  const ActionExecutorOptions& options_;
  WorkDirectoryPool& work_directories_;
  const Digest& action_digest_;
  const reapi::Action& action_;
  const reapi::Command& command_;
  const std::atomic<bool>& cancelled_;
  CommandObserver* observer_;
  reapi::ActionResult& result_;
  reapi::ExecutedActionMetadata& metadata_;
  CasUploader uploader_;
  ActionLimits limits_;
  TimePoint deadline_;  // The action's timeout, from the start of Execute.
};

}  // namespace

ExecutionOutcome ActionExecutor::Execute(const Digest& action_digest, const reapi::Action& action,
                                         const reapi::Command& command, const std::atomic<bool>& cancelled,
                                         CommandObserver* observer) {
  ExecutionOutcome outcome;
  reapi::ExecutedActionMetadata& metadata = *outcome.result.mutable_execution_metadata();
  metadata.set_worker(options_.worker_id);
  StampNow(metadata.mutable_worker_start_timestamp());
  outcome.status = ActionRun(options_, work_directories_, action_digest, action, command, cancelled, observer, outcome.result).Execute();
  StampNow(metadata.mutable_worker_completed_timestamp());
  return outcome;
}

Status CleanWorkRoot(const std::string& work_root) { return RemoveTreeContents(work_root); }

}  // namespace kiln
