#include "execution/execution_engine.h"

#include "execution/action_validation.h"

namespace kiln {

StatusOr<std::string> ExecutionEngine::Execute(const Caller& caller, const ExecuteParameters& parameters) {
  // The cache is asked first: a hit needs neither the Action nor its input tree, and
  // validating a large tree on every hit would cost more than the lookup itself.
  if (!parameters.skip_cache_lookup) {
    auto cached = cache_->Get(parameters.instance_name, parameters.action_digest, parameters.inline_request);
    if (cached.ok()) {
      reapi::ExecuteResponse response;
      *response.mutable_result() = std::move(cached).value();
      response.set_cached_result(true);
      return scheduler_->AddCompleted(caller, parameters.action_digest, std::move(response),
                                      parameters.instance_name);
    }
    if (cached.status().code() != StatusCode::kNotFound) return cached.status();
  }
  auto loaded = LoadAndValidateAction(*cas_, parameters.action_digest, limits_);
  if (!loaded.ok()) return loaded.status();
  QueuedAction queued;
  queued.instance_name = parameters.instance_name;
  queued.action_digest = parameters.action_digest;
  queued.platform = loaded->platform;
  queued.priority = parameters.priority;
  queued.mergeable = !loaded->action.do_not_cache();
  queued.action = std::move(loaded->action);
  queued.command = std::move(loaded->command);
  queued.queued_unix_nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return scheduler_->Enqueue(caller, std::move(queued));
}

}  // namespace kiln
