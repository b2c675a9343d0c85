#include "bench/execution_attacks.h"

#include <thread>
#include <vector>

#include "bench/bench_setup.h"
#include "bench/cancellable_calls.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "google/longrunning/operations.pb.h"

namespace kiln {
namespace {

constexpr int kParallel = 2;

struct HostileAction {
  AttackInfo info;
  std::string script;  // For /bin/sh -c.
  // The input root; empty: an empty Directory. Every Directory and file it references must
  // be in `uploads` too.
  reapi::Directory root;
  std::vector<std::string> uploads;
  // If set, the input root is this blob (uploaded in Prepare) instead of `root`.
  std::string raw_root;
};

// An action that runs `script` on an empty input root.
HostileAction ScriptedAction(AttackInfo info, std::string script) {
  HostileAction action;
  action.info = std::move(info);
  action.script = std::move(script);
  return action;
}

class ExecuteAttack final : public Attack {
 public:
  ExecuteAttack(BenchTarget* target, HostileAction action) : target_(target), action_(std::move(action)) {}

  AttackInfo info() const override { return action_.info; }

  Status Prepare() override {
    KILN_RETURN_IF_ERROR(UploadBlobs(*target_, action_.uploads));
    reapi::Command command;
    for (const char* argument : {"/bin/sh", "-c"}) command.add_arguments(argument);
    command.add_arguments(action_.script);
    auto* path = command.add_environment_variables();
    path->set_name("PATH");
    path->set_value("/usr/bin:/bin");
    auto command_digest = UploadMessage(*target_, command);
    if (!command_digest.ok()) return command_digest.status();
    auto root_digest = action_.raw_root.empty() ? UploadMessage(*target_, action_.root)
                                                 : StatusOr<Digest>(ComputeDigest(DigestFunction::kSha256, action_.raw_root));
    if (!root_digest.ok()) return root_digest.status();
    if (!action_.raw_root.empty()) KILN_RETURN_IF_ERROR(UploadBlobs(*target_, {action_.raw_root}));
    *base_.mutable_command_digest() = ToProto(*command_digest);
    *base_.mutable_input_root_digest() = ToProto(*root_digest);
    base_.mutable_timeout()->set_seconds(60);
    return Status::Ok();
  }

  void Run(const std::atomic<bool>& stop, AttackTally& tally) override {
    std::atomic<int64_t> salt{0};
    std::vector<std::thread> threads;
    for (int slot = 0; slot < kParallel; ++slot) {
      threads.emplace_back([&, slot] {
        while (!stop.load()) RunOnce(slot, std::to_string(salt++), tally);
      });
    }
    while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    calls_.CancelAll();
    for (std::thread& thread : threads) thread.join();
  }

 private:
  void RunOnce(int slot, const std::string& salt, AttackTally& tally) {
    reapi::Action action = base_;
    action.set_salt("kiln-attack-" + salt + "-" + std::to_string(::getpid()));
    auto action_digest = UploadMessage(*target_, action);
    if (!action_digest.ok()) {
      tally.Refused(action_digest.status());
      return;
    }
    reapi::ExecuteRequest request;
    request.set_instance_name(target_->instance_name());
    request.set_skip_cache_lookup(true);
    *request.mutable_action_digest() = ToProto(*action_digest);
    grpc::ClientContext context;
    SetBenchDeadline(context);
    auto guard = calls_.Track(&context);
    tally.Sent();
    auto reader = target_->execution(slot).Execute(&context, request);
    google::longrunning::Operation operation;
    reapi::ExecuteResponse response;
    while (reader->Read(&operation)) {
      if (operation.done()) operation.response().UnpackTo(&response);
    }
    grpc::Status status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::CANCELLED) return;  // Stopped by us.
    if (!status.ok()) {
      tally.Refused(status);
    } else if (response.status().code() != 0) {
      tally.Refused(grpc::Status(static_cast<grpc::StatusCode>(response.status().code()), response.status().message()));
    }
  }

  BenchTarget* target_;
  HostileAction action_;
  reapi::Action base_;
  CancellableCalls calls_;
};

// 30 levels of Directories whose two entries are the same next level: a few KiB in the
// CAS, 2^30 files once staged.
HostileAction DoublingTree() {
  HostileAction action = ScriptedAction({"input_tree_bomb",
                                         "Execute with an input root of 30 levels whose two subdirectories are the "
                                         "same Directory (2^30 files if staged)"},
                                        "true");
  const std::string content = "kiln attack\n";
  action.uploads.push_back(content);
  reapi::Directory level;
  auto* file = level.add_files();
  file->set_name("f");
  *file->mutable_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, content));
  for (int depth = 0; depth < 30; ++depth) {
    const std::string bytes = level.SerializeAsString();
    action.uploads.push_back(bytes);
    reapi::Directory parent;
    for (const char* name : {"a", "b"}) {
      auto* child = parent.add_directories();
      child->set_name(name);
      *child->mutable_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, bytes));
    }
    level = std::move(parent);
  }
  action.root = std::move(level);
  return action;
}

}  // namespace

std::unique_ptr<Attack> NewForkBombAttack(BenchTarget* target) {
  return std::make_unique<ExecuteAttack>(
      target, ScriptedAction({"fork_bomb", "Execute an action that starts 2,005 background processes and waits"},
                             "for i in $(seq 2005); do sleep 60 & done; wait"));
}

std::unique_ptr<Attack> NewMemoryHogAttack(BenchTarget* target) {
  return std::make_unique<ExecuteAttack>(
      target, ScriptedAction({"memory_hog", "Execute an action that fills a 9 GiB buffer (dd bs=9G)"},
                             "dd if=/dev/zero of=/dev/null bs=9G count=1 iflag=fullblock"));
}

std::unique_ptr<Attack> NewLogFloodAttack(BenchTarget* target) {
  return std::make_unique<ExecuteAttack>(
      target, ScriptedAction({"log_flood", "Execute an action that writes stdout without end (yes)"}, "exec yes"));
}

std::unique_ptr<Attack> NewOversizedDirectoryAttack(BenchTarget* target) {
  HostileAction action = ScriptedAction({"oversized_directory",
                                         "Execute whose input root names a 48 MiB blob as its Directory (over the "
                                         "default --max-message-bytes of 16 MiB: a server that reads it whole holds "
                                         "48 MiB per request)"},
                                        "true");
  action.raw_root.assign(size_t{48} << 20, '\x0a');  // Bytes that start a length-delimited field.
  return std::make_unique<ExecuteAttack>(target, std::move(action));
}

std::unique_ptr<Attack> NewInputTreeBombAttack(BenchTarget* target) {
  return std::make_unique<ExecuteAttack>(target, DoublingTree());
}

}  // namespace kiln
