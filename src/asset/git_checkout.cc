#include "asset/git_checkout.h"

#include <filesystem>
#include <vector>

#include "common/file_util.h"

namespace kiln {
namespace {

std::string ReadOrEmpty(const std::string& path) {
  auto text = ReadSmallFile(path);
  return text.ok() ? std::move(text).value() : std::string();
}

// Runs git commands for one checkout against one overall deadline.
class GitSession {
 public:
  GitSession(Runner& runner, const std::string& work_dir, const GitCheckoutRequest& checkout,
             const std::atomic<bool>& stop)
      : runner_(runner),
        work_dir_(work_dir),
        config_(checkout.config),
        deadline_(std::chrono::steady_clock::now() + checkout.timeout),
        stop_(stop) {}

  struct Outcome {
    int exit_code = 0;
    std::string output;  // stdout
    std::string errors;  // stderr, for messages
  };

  // Runs `git ARGS...` in {work_dir}/{subdirectory}; non-OK only when git could not be run
  // or was stopped (timeout, cancellation).
  StatusOr<Outcome> Run(const std::vector<std::string>& args, const std::string& subdirectory = "tree") {
    const Duration remaining = deadline_ - std::chrono::steady_clock::now();
    if (remaining <= Duration::zero()) return Status(StatusCode::kDeadlineExceeded, "git timed out");
    RunRequest request;
    request.arguments = {"git",
                         "-c", "protocol.allow=never",
                         "-c", "protocol.file.allow=always",
                         "-c", "protocol.http.allow=always",
                         "-c", "protocol.https.allow=always",
                         "-c", "advice.detachedHead=false",
                         "-c", "init.defaultBranch=main"};
    for (const std::string& setting : config_) {
      request.arguments.push_back("-c");
      request.arguments.push_back(setting);
    }
    request.arguments.insert(request.arguments.end(), args.begin(), args.end());
    request.environment = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", work_dir_},
                           {"GIT_TERMINAL_PROMPT", "0"}, {"GIT_CONFIG_NOSYSTEM", "1"}, {"LC_ALL", "C"}};
    request.input_root = work_dir_;
    request.working_directory = subdirectory.empty() ? work_dir_ : work_dir_ + "/" + subdirectory;
    request.stdout_path = work_dir_ + "/git.stdout";
    request.stderr_path = work_dir_ + "/git.stderr";
    request.timeout = remaining;
    auto result = runner_.Run(request, stop_);
    if (!result.ok()) return result.status().WithContext("running git");
    if (result->timed_out) return Status(StatusCode::kDeadlineExceeded, "git timed out");
    if (result->cancelled) return Status::Cancelled("the git fetch was stopped (server shutting down)");
    Outcome outcome;
    outcome.exit_code = result->exit_code;
    outcome.output = ReadOrEmpty(request.stdout_path);
    outcome.errors = ReadOrEmpty(request.stderr_path);
    while (!outcome.errors.empty() && outcome.errors.back() == '\n') outcome.errors.pop_back();
    return outcome;
  }

 private:
  Runner& runner_;
  const std::string work_dir_;
  const std::vector<std::string> config_;
  const std::chrono::steady_clock::time_point deadline_;
  const std::atomic<bool>& stop_;
};

// A failed fetch: NOT_FOUND when git says the repository or ref does not exist.
Status FetchFailure(const std::string& what, const std::string& errors) {
  for (std::string_view marker : {"couldn't find remote ref", "not found", "does not appear to be a git repository",
                                  "does not exist", "not our ref", "unadvertised object"}) {
    if (errors.find(marker) != std::string::npos) return Status::NotFound(what + ": " + errors);
  }
  return Status::Unavailable(what + ": " + errors);
}

}  // namespace

StatusOr<std::string> GitCheckout(Runner& runner, const GitCheckoutRequest& request, const std::string& work_dir,
                                  const std::atomic<bool>& stop) {
  GitSession git(runner, work_dir, request, stop);
  auto init = git.Run({"init", "-q", "tree"}, "");
  if (!init.ok()) return init.status();
  if (init->exit_code != 0) return Status::Internal("git init failed: " + init->errors);

  const std::string wanted = !request.commit.empty() ? request.commit
                             : !request.branch.empty() ? request.branch
                                                       : "HEAD";
  // Only the revision asked for, without history, unless the commit must be checked
  // against a branch (which needs the branch's history).
  std::vector<std::string> fetch = {"fetch", "-q", "--no-tags"};
  if (request.commit.empty() || request.branch.empty()) fetch.push_back("--depth=1");
  fetch.push_back(request.uri);
  fetch.push_back(request.branch.empty() ? wanted : request.branch);
  auto fetched = git.Run(fetch);
  if (!fetched.ok()) return fetched.status();
  if (fetched->exit_code != 0 && !request.commit.empty() && request.branch.empty()) {
    // Servers that refuse to send an arbitrary commit: take every branch and tag instead.
    fetched = git.Run({"fetch", "-q", "--no-tags", request.uri, "+refs/heads/*:refs/remotes/origin/*",
                       "+refs/tags/*:refs/tags/*"});
    if (!fetched.ok()) return fetched.status();
  }
  if (fetched->exit_code != 0) return FetchFailure("fetching " + wanted, fetched->errors);

  if (!request.commit.empty() && !request.branch.empty()) {
    auto on_branch = git.Run({"merge-base", "--is-ancestor", request.commit, "FETCH_HEAD"});
    if (!on_branch.ok()) return on_branch.status();
    if (on_branch->exit_code != 0) {
      return Status::NotFound("commit " + request.commit + " is not on branch " + request.branch);
    }
  }
  auto checkout = git.Run({"checkout", "-q", "--detach", request.commit.empty() ? "FETCH_HEAD" : request.commit});
  if (!checkout.ok()) return checkout.status();
  if (checkout->exit_code != 0) return Status::NotFound("checking out " + wanted + ": " + checkout->errors);
  auto head = git.Run({"rev-parse", "HEAD"});
  if (!head.ok()) return head.status();
  if (head->exit_code != 0) return Status::Internal("git rev-parse HEAD failed: " + head->errors);
  std::string commit = head->output.substr(0, head->output.find('\n'));

  std::error_code error;
  std::filesystem::remove_all(work_dir + "/tree/.git", error);
  if (error) return Status::Internal("removing .git from the checkout: " + error.message());
  return commit;
}

}  // namespace kiln
