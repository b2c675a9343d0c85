// The pair of log streams an executing action's stdout and stderr are published on: created
// by the frontend when the action starts (read names go into the operation's metadata, write
// names to whoever runs it), finalized when the run ends.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "logstream/log_stream_registry.h"
#include "scheduler/operation.h"
#include "worker/output_follower.h"

namespace kiln {

struct ActionLogStreams {
  LogStreamNames stdout_stream;
  LogStreamNames stderr_stream;
  OutputStreamNames read_names() const { return {stdout_stream.read_name, stderr_stream.read_name}; }
};

// nullopt without a registry, or when it refuses (too many live streams): the action then
// runs without live output, which is no reason to fail it.
std::optional<ActionLogStreams> CreateActionLogStreams(LogStreamRegistry* registry, const std::string& instance_name);
// Idempotent; a stream the writer already finalized stays as it is.
void FinalizeActionLogStreams(LogStreamRegistry& registry, const ActionLogStreams& streams);

// An OutputSink appending to a log stream of this process's registry; Finish finalizes it.
class LogStreamSink final : public OutputSink {
 public:
  LogStreamSink(LogStreamRegistry* registry, std::string write_name)
      : registry_(registry), write_name_(std::move(write_name)) {}
  void Append(std::string_view data) override;
  void Finish() override;

 private:
  LogStreamRegistry* registry_;
  std::string write_name_;
  int64_t offset_ = 0;
  bool failed_ = false;
};

// A follower that feeds the action's output into `streams` and finalizes them when destroyed.
std::unique_ptr<OutputFollower> FollowIntoLogStreams(LogStreamRegistry* registry, const ActionLogStreams& streams);

}  // namespace kiln
