#include "retrying_execution.h"

#include <algorithm>
#include <random>
#include <thread>

namespace kiln_test {
namespace {

// What a call's outcome asks the client to do next.
enum class Next { kDone, kResume, kExecuteAgain, kGiveUp };

// Bazel's view of a finished or broken call.
Next Classify(const ExecuteResult& call, bool waiting, std::string* said) {
  if (!call.updates.empty() && call.updates.back().done()) {
    const google::longrunning::Operation& last = call.updates.back();
    const int code = last.has_error() ? last.error().code() : call.response.status().code();
    *said = "done: " + (last.has_error() ? Describe(last.error()) : Describe(call.response.status()));
    if (code == grpc::StatusCode::OK && !last.has_error()) return Next::kDone;
    // Lost (its frontend or Redis forgot it) or given up after its attempts: run it again.
    if (code == grpc::StatusCode::UNAVAILABLE) return Next::kExecuteAgain;
    return Next::kGiveUp;
  }
  *said = "broken after " + std::to_string(call.updates.size()) + " updates: " + Describe(call.status);
  switch (call.status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      // WaitExecution on an operation that is gone: execute again (Bazel does the same).
      return waiting ? Next::kExecuteAgain : Next::kGiveUp;
    case grpc::StatusCode::OK:  // Ended without a done update: as broken.
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return Next::kResume;
    default:
      return Next::kGiveUp;
  }
}

}  // namespace

RetriedExecution ExecuteWithRetries(const std::vector<std::shared_ptr<grpc::Channel>>& frontends, size_t first,
                                    const reapi::Digest& action, const RetryPolicy& policy) {
  RetriedExecution outcome;
  std::mt19937_64 random(std::hash<std::string>()(action.hash()));
  std::chrono::milliseconds backoff = policy.initial_backoff;
  size_t frontend = first % frontends.size();
  std::string name;  // Of the operation to resume; empty: execute.
  for (int call = 0; call < policy.max_calls; ++call) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= policy.give_up_at) {
      outcome.history.push_back("out of time");
      return outcome;
    }
    const auto deadline = std::max(std::chrono::seconds(1), std::min(policy.call_deadline,
        std::chrono::duration_cast<std::chrono::seconds>(policy.give_up_at - now)));
    const bool waiting = !name.empty();
    ExecuteResult result;
    if (waiting) {
      ++outcome.waits;
      result = WaitExecution(frontends[frontend], name, deadline);
    } else {
      ++outcome.executes;
      reapi::ExecuteRequest request;
      *request.mutable_action_digest() = action;
      result = Execute(frontends[frontend], request, deadline);
    }
    if (result.status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) ++outcome.deadlines_reached;
    std::string said;
    const Next next = Classify(result, waiting, &said);
    if (!result.updates.empty()) name = result.updates.front().name();
    outcome.history.push_back(std::string(waiting ? "WaitExecution(" + name + ")" : "Execute") + " on frontend " +
                              std::to_string(frontend) + ": " + said);
    if (!result.updates.empty() && result.updates.back().done()) outcome.response = result.response;
    switch (next) {
      case Next::kDone:
        outcome.succeeded = true;
        return outcome;
      case Next::kGiveUp:
        return outcome;
      case Next::kExecuteAgain:
        name.clear();
        break;
      case Next::kResume:
        // Another frontend: this one may be gone. With a name, WaitExecution resumes there.
        frontend = (frontend + 1) % frontends.size();
        break;
    }
    // No wait before the first resumption elsewhere: the other frontend is likely fine.
    if (next == Next::kResume && waiting == false && !name.empty()) continue;
    std::uniform_int_distribution<int64_t> jitter(backoff.count() / 2, backoff.count());
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter(random)));
    backoff = std::min(backoff * 2, policy.max_backoff);
  }
  outcome.history.push_back("gave up after " + std::to_string(policy.max_calls) + " calls");
  return outcome;
}

}  // namespace kiln_test
