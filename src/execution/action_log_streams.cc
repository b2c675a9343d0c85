#include "execution/action_log_streams.h"

namespace kiln {

std::optional<ActionLogStreams> CreateActionLogStreams(LogStreamRegistry* registry, const std::string& instance_name) {
  if (registry == nullptr) return std::nullopt;
  // Whoever runs the action finalizes them when it ends, however long it stays quiet.
  auto out = registry->Create(instance_name, LogStreamOwner::kServer);
  if (!out.ok()) return std::nullopt;
  auto err = registry->Create(instance_name, LogStreamOwner::kServer);
  if (!err.ok()) {
    (void)registry->Finalize(out->write_name);
    return std::nullopt;
  }
  return ActionLogStreams{std::move(out).value(), std::move(err).value()};
}

void FinalizeActionLogStreams(LogStreamRegistry& registry, const ActionLogStreams& streams) {
  // NOT_FOUND only once retention dropped them: nothing left to finalize.
  (void)registry.Finalize(streams.stdout_stream.write_name);
  (void)registry.Finalize(streams.stderr_stream.write_name);
}

void LogStreamSink::Append(std::string_view data) {
  if (failed_) return;
  failed_ = !registry_->Append(write_name_, offset_, data).ok();
  offset_ += static_cast<int64_t>(data.size());
}

void LogStreamSink::Finish() { (void)registry_->Finalize(write_name_); }

std::unique_ptr<OutputFollower> FollowIntoLogStreams(LogStreamRegistry* registry, const ActionLogStreams& streams) {
  return std::make_unique<OutputFollower>(std::make_unique<LogStreamSink>(registry, streams.stdout_stream.write_name),
                                          std::make_unique<LogStreamSink>(registry, streams.stderr_stream.write_name));
}

}  // namespace kiln
