#include "webui/workers_routes.h"

#include "webui/json_response.h"
#include "webui/json_writer.h"
#include "webui/query_params.h"
#include "webui/ui_access.h"

namespace kiln {
namespace {

void ServeList(const WebUiServices& services, HttpRequest& request, HttpResponder& responder) {
  auto caller = RequireAnywhere(*services.authorizer, request, Permission::kExecute);
  if (!caller.ok()) return SendJsonError(responder, caller.status());
  auto workers = services.scheduler->ListWorkers();
  if (!workers.ok()) return SendJsonError(responder, workers.status());
  JsonWriter json;
  json.BeginObject();
  // Whether the page offers the drain buttons (the POSTs check again).
  json.Key("can_drain").Bool(HoldsAnywhere(*caller->principal, Permission::kAdmin) || !services.authorizer->enabled());
  json.Key("workers").BeginArray();
  for (const WorkerInfo& worker : *workers) {
    json.BeginObject();
    json.Key("id").String(worker.id);
    json.Key("platform").BeginArray();
    for (const auto& [name, value] : worker.platform.properties()) {
      json.BeginObject().Key("name").String(name).Key("value").String(value).EndObject();
    }
    json.EndArray();
    json.Key("slots").Int(worker.slots);
    json.Key("running").BeginArray();
    for (const std::string& operation : worker.running) json.String(operation);
    json.EndArray();
    json.Key("drained").Bool(worker.drained);
    json.Key("connected").Bool(worker.connected);
    json.EndObject();
  }
  json.EndArray().EndObject();
  SendJson(responder, json.str());
}

void ServeDrain(const WebUiServices& services, bool drained, HttpRequest& request, HttpResponder& responder) {
  if (request.headers.Get("X-Kiln-UI") != std::optional<std::string_view>("1")) {
    return SendJsonError(responder, Status(StatusCode::kPermissionDenied, "missing header X-Kiln-UI: 1"));
  }
  auto caller = RequireAnywhere(*services.authorizer, request, Permission::kAdmin);
  if (!caller.ok()) return SendJsonError(responder, caller.status());
  const std::string id = QueryParams::Parse(request.query).GetOr("id", "");
  if (id.empty()) return SendJsonError(responder, Status::InvalidArgument("no worker id (?id=)"));
  Status changed = services.scheduler->SetWorkerDrained(id, drained);
  if (!changed.ok()) return SendJsonError(responder, changed);
  JsonWriter json;
  json.BeginObject().Key("id").String(id).Key("drained").Bool(drained).EndObject();
  SendJson(responder, json.str());
}

}  // namespace

void AddWorkerRoutes(HttpRouter& router, const WebUiServices& services) {
  router.Handle("GET", "/api/workers", HttpAccess::Public(),
                [services](HttpRequest& request, HttpResponder& responder) { ServeList(services, request, responder); });
  router.Handle("POST", "/api/workers/drain", HttpAccess::Public(),
                [services](HttpRequest& request, HttpResponder& responder) {
                  ServeDrain(services, true, request, responder);
                });
  router.Handle("POST", "/api/workers/undrain", HttpAccess::Public(),
                [services](HttpRequest& request, HttpResponder& responder) {
                  ServeDrain(services, false, request, responder);
                });
}

}  // namespace kiln
