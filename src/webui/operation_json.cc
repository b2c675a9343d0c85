#include "webui/operation_json.h"

#include "scheduler/scheduler_queries.h"

namespace kiln {
namespace {

void Timestamp(JsonWriter& json, const char* key, bool present, const google::protobuf::Timestamp& timestamp) {
  json.Key(key);
  if (!present || (timestamp.seconds() == 0 && timestamp.nanos() == 0)) {
    json.Null();
  } else {
    json.Int(timestamp.seconds() * 1000 + timestamp.nanos() / 1'000'000);
  }
}

}  // namespace

void WriteDigest(JsonWriter& json, const Digest& digest) {
  json.BeginObject();
  json.Key("function").String(DigestFunctionName(digest.function()));
  json.Key("hash").String(digest.hash());
  json.Key("size").Int(digest.size());
  json.EndObject();
}

void WriteDigest(JsonWriter& json, DigestFunction function, const reapi::Digest& digest) {
  json.BeginObject();
  json.Key("function").String(DigestFunctionName(function));
  json.Key("hash").String(digest.hash());
  json.Key("size").Int(digest.size_bytes());
  json.EndObject();
}

const reapi::ExecutedActionMetadata& MetadataOf(const OperationSnapshot& snapshot) {
  if (snapshot.done && snapshot.response.has_result() && snapshot.response.result().has_execution_metadata()) {
    return snapshot.response.result().execution_metadata();
  }
  return snapshot.partial_metadata;
}

bool OperationFailed(const OperationSnapshot& snapshot) {
  if (!snapshot.done) return false;
  if (snapshot.response.status().code() != 0) return true;
  return snapshot.response.has_result() && snapshot.response.result().exit_code() != 0;
}

void WriteOperationSummary(JsonWriter& json, const OperationSnapshot& snapshot) {
  const reapi::ExecutedActionMetadata& metadata = MetadataOf(snapshot);
  json.BeginObject();
  json.Key("name").String(snapshot.name);
  json.Key("instance").String(snapshot.instance_name);
  json.Key("stage").String(StageName(snapshot.stage));
  json.Key("done").Bool(snapshot.done);
  json.Key("action_digest");
  WriteDigest(json, snapshot.action_digest);
  json.Key("created_unix_ms").Int(snapshot.created_unix_nanos / 1'000'000);
  json.Key("worker").String(metadata.worker());
  const std::optional<int32_t> exit_code = ExitCodeOf(snapshot);
  json.Key("exit_code").OptionalInt(exit_code ? std::optional<int64_t>(*exit_code) : std::nullopt);
  json.Key("status_code").Int(snapshot.response.status().code());
  json.Key("status_message").String(snapshot.response.status().message());
  json.Key("cached").Bool(snapshot.response.cached_result());
  json.Key("failed").Bool(OperationFailed(snapshot));
  json.EndObject();
}

void WriteTimestamps(JsonWriter& json, const reapi::ExecutedActionMetadata& m) {
  json.BeginObject();
  Timestamp(json, "queued", m.has_queued_timestamp(), m.queued_timestamp());
  Timestamp(json, "worker_start", m.has_worker_start_timestamp(), m.worker_start_timestamp());
  Timestamp(json, "input_fetch_start", m.has_input_fetch_start_timestamp(), m.input_fetch_start_timestamp());
  Timestamp(json, "input_fetch_completed", m.has_input_fetch_completed_timestamp(),
            m.input_fetch_completed_timestamp());
  Timestamp(json, "execution_start", m.has_execution_start_timestamp(), m.execution_start_timestamp());
  Timestamp(json, "execution_completed", m.has_execution_completed_timestamp(), m.execution_completed_timestamp());
  Timestamp(json, "output_upload_start", m.has_output_upload_start_timestamp(), m.output_upload_start_timestamp());
  Timestamp(json, "output_upload_completed", m.has_output_upload_completed_timestamp(),
            m.output_upload_completed_timestamp());
  Timestamp(json, "worker_completed", m.has_worker_completed_timestamp(), m.worker_completed_timestamp());
  json.EndObject();
}

}  // namespace kiln
