#include "webui/operations_routes.h"

#include <google/protobuf/util/json_util.h>

#include "common/proto_digest.h"
#include "webui/json_response.h"
#include "webui/json_writer.h"
#include "webui/operation_json.h"
#include "webui/query_params.h"
#include "webui/ui_access.h"

namespace kiln {
namespace {

// A page is for people; no Action or Command is nearly this big.
constexpr int64_t kMaxDecodedBytes = int64_t{4} << 20;

StatusOr<OperationFilter> FilterFrom(const QueryParams& params) {
  OperationFilter filter;
  if (auto instance = params.Get("instance"); instance && !instance->empty()) filter.instance_name = *instance;
  if (auto stage = params.Get("stage"); stage && !stage->empty()) {
    filter.stage = ParseStageName(*stage);
    if (!filter.stage) return Status::InvalidArgument("unknown stage \"" + *stage + "\"");
  }
  auto exit_code = params.GetInt("exit_code");
  if (!exit_code.ok()) return exit_code.status();
  if (*exit_code) filter.exit_code = static_cast<int32_t>(**exit_code);
  auto offset = params.GetInt("offset");
  if (!offset.ok()) return offset.status();
  if (*offset) filter.offset = static_cast<size_t>(std::max<int64_t>(0, **offset));
  auto limit = params.GetInt("limit");
  if (!limit.ok()) return limit.status();
  if (*limit) filter.page_size = static_cast<size_t>(std::max<int64_t>(0, **limit));
  return filter;
}

bool IsTrue(const std::optional<std::string>& value) { return value && (*value == "1" || *value == "true"); }

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) return "null";
  return json;
}

// Reads and parses `digest` as a `Message` from the CAS.
template <typename Message>
StatusOr<Message> ReadMessage(BlobStore& cas, const Digest& digest) {
  if (digest.size() > kMaxDecodedBytes) return Status::ResourceExhausted("too large to show here");
  auto bytes = ReadBlob(cas, digest);
  if (!bytes.ok()) return bytes.status();
  Message message;
  if (!message.ParseFromString(*bytes)) return Status::InvalidArgument("not a valid " + Message::descriptor()->name());
  return message;
}

// "action" and "command" (each null with an "..._error" when not shown).
void WriteActionAndCommand(JsonWriter& json, const WebUiServices& services, const UiCaller& caller,
                           const OperationSnapshot& snapshot) {
  Status allowed = Authorize(*caller.principal, Permission::kCasRead, snapshot.instance_name);
  if (allowed.ok() && !services.cas) allowed = Status::NotFound("no CAS on this server");
  StatusOr<reapi::Action> action =
      allowed.ok() ? ReadMessage<reapi::Action>(*services.cas, snapshot.action_digest) : StatusOr<reapi::Action>(allowed);
  json.Key("action");
  if (action.ok()) {
    json.Raw(ToJson(*action));
  } else {
    json.Null().Key("action_error").String(action.status().ToString());
  }
  StatusOr<Digest> command_digest =
      action.ok() ? FromProto(snapshot.action_digest.function(), action->command_digest(), "command_digest")
                  : StatusOr<Digest>(action.status());
  StatusOr<reapi::Command> command = command_digest.ok() ? ReadMessage<reapi::Command>(*services.cas, *command_digest)
                                                         : StatusOr<reapi::Command>(command_digest.status());
  json.Key("command");
  if (command.ok()) {
    json.Raw(ToJson(*command));
  } else {
    json.Null().Key("command_error").String(command.status().ToString());
  }
}

void ServeList(const WebUiServices& services, HttpRequest& request, HttpResponder& responder) {
  auto caller = RequireAnywhere(*services.authorizer, request, Permission::kExecute);
  if (!caller.ok()) return SendJsonError(responder, caller.status());
  const QueryParams params = QueryParams::Parse(request.query);
  auto filter = FilterFrom(params);
  if (!filter.ok()) return SendJsonError(responder, filter.status());
  auto page = QueryOperations(*services.scheduler, caller->caller, *filter, IsTrue(params.Get("failed")));
  if (!page.ok()) return SendJsonError(responder, page.status());
  JsonWriter json;
  json.BeginObject();
  json.Key("total").Int(static_cast<int64_t>(page->total));
  json.Key("offset").Int(static_cast<int64_t>(filter->offset));
  json.Key("all_visible").Bool(caller->caller.admin);
  json.Key("operations").BeginArray();
  for (const OperationSnapshot& snapshot : page->operations) WriteOperationSummary(json, snapshot);
  json.EndArray().EndObject();
  SendJson(responder, json.str());
}

void ServeOne(const WebUiServices& services, HttpRequest& request, HttpResponder& responder) {
  auto caller = RequireAnywhere(*services.authorizer, request, Permission::kExecute);
  if (!caller.ok()) return SendJsonError(responder, caller.status());
  const std::string name = QueryParams::Parse(request.query).GetOr("name", "");
  if (name.empty()) return SendJsonError(responder, Status::InvalidArgument("no operation name (?name=)"));
  auto snapshot = services.scheduler->Get(caller->caller, name);
  if (!snapshot.ok()) return SendJsonError(responder, snapshot.status());
  JsonWriter json;
  json.BeginObject();
  json.Key("now_unix_ms").Int(UnixNanosNow(*services.clock) / 1'000'000);
  json.Key("operation");
  WriteOperationSummary(json, *snapshot);
  json.Key("timestamps");
  WriteTimestamps(json, MetadataOf(*snapshot));
  json.Key("stdout_stream").String(snapshot->stdout_stream_name);
  json.Key("stderr_stream").String(snapshot->stderr_stream_name);
  WriteActionAndCommand(json, services, *caller, *snapshot);
  json.Key("result");
  if (snapshot->done && snapshot->response.has_result()) {
    json.Raw(ToJson(snapshot->response.result()));
  } else {
    json.Null();
  }
  json.EndObject();
  SendJson(responder, json.str());
}

}  // namespace

StatusOr<OperationPage> QueryOperations(const Scheduler& scheduler, const Caller& caller, const OperationFilter& filter,
                                        bool failed_only) {
  if (caller.admin && !failed_only) return scheduler.ListOperations(filter);
  std::vector<OperationSnapshot> candidates;
  if (caller.admin) {
    // Failures are finished operations: one bounded query for those, filtered here.
    OperationFilter finished = filter;
    finished.stage = ExecutionStage::kCompleted;
    finished.offset = 0;
    finished.page_size = kMaxOperationPageSize;
    auto page = scheduler.ListOperations(finished);
    if (!page.ok()) return page.status();
    candidates = std::move(page->operations);
  } else {
    candidates = scheduler.List(caller);
  }
  std::vector<OperationSnapshot> matching;
  for (OperationSnapshot& snapshot : candidates) {
    if (!MatchesFilter(filter, snapshot)) continue;
    if (failed_only && !OperationFailed(snapshot)) continue;
    matching.push_back(std::move(snapshot));
  }
  return PageOf(std::move(matching), filter);
}

void AddOperationRoutes(HttpRouter& router, const WebUiServices& services) {
  router.Handle("GET", "/api/operations", HttpAccess::Public(),
                [services](HttpRequest& request, HttpResponder& responder) { ServeList(services, request, responder); });
  router.Handle("GET", "/api/operation", HttpAccess::Public(),
                [services](HttpRequest& request, HttpResponder& responder) { ServeOne(services, request, responder); });
}

}  // namespace kiln
