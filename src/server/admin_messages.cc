#include "server/admin_messages.h"

#include "common/proto_digest.h"

namespace kiln {

::kiln::admin::v1::OperationInfo ToOperationInfo(const OperationSnapshot& snapshot, bool with_response) {
  ::kiln::admin::v1::OperationInfo info;
  info.set_name(snapshot.name);
  info.set_instance_name(snapshot.instance_name);
  *info.mutable_action_digest() = ToProto(snapshot.action_digest);
  info.set_digest_function(ToProto(snapshot.action_digest.function()));
  info.set_stage(StageName(snapshot.stage));
  info.set_done(snapshot.done);
  info.set_created_unix_nanos(snapshot.created_unix_nanos);
  // Once done, the result's metadata has every phase; until then what the scheduler knows.
  const bool has_result = snapshot.done && snapshot.response.has_result();
  *info.mutable_metadata() =
      has_result ? snapshot.response.result().execution_metadata() : snapshot.partial_metadata;
  info.set_worker(info.metadata().worker().empty() ? snapshot.partial_metadata.worker() : info.metadata().worker());
  if (std::optional<int32_t> exit_code = ExitCodeOf(snapshot)) {
    info.set_has_exit_code(true);
    info.set_exit_code(*exit_code);
  }
  if (snapshot.done) *info.mutable_status() = snapshot.response.status();
  info.set_cached_result(snapshot.response.cached_result());
  info.set_stdout_stream_name(snapshot.stdout_stream_name);
  info.set_stderr_stream_name(snapshot.stderr_stream_name);
  if (with_response && snapshot.done) *info.mutable_response() = snapshot.response;
  return info;
}

::kiln::admin::v1::WorkerInfo ToWorkerInfo(const WorkerInfo& worker) {
  ::kiln::admin::v1::WorkerInfo info;
  info.set_id(worker.id);
  for (const auto& [name, value] : worker.platform.properties()) {
    auto* property = info.add_platform();
    property->set_name(name);
    property->set_value(value);
  }
  info.set_slots(worker.slots);
  for (const std::string& name : worker.running) info.add_running(name);
  info.set_drained(worker.drained);
  info.set_connected(worker.connected);
  return info;
}

StatusOr<OperationFilter> FromListRequest(const ::kiln::admin::v1::ListOperationsRequest& request) {
  OperationFilter filter;
  if (request.filter_instance()) filter.instance_name = request.instance_name();
  if (!request.stage().empty()) {
    filter.stage = ParseStageName(request.stage());
    if (!filter.stage) {
      return Status::InvalidArgument("stage \"" + request.stage() + "\" is not queued, executing or completed");
    }
  }
  if (request.filter_exit_code()) filter.exit_code = request.exit_code();
  filter.offset = request.offset();
  filter.page_size = request.page_size();
  return filter;
}

}  // namespace kiln
