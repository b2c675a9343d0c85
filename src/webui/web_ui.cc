#include "webui/web_ui.h"

#include "scheduler/scheduler_queries.h"
#include "webui/blob_routes.h"
#include "webui/json_response.h"
#include "webui/json_writer.h"
#include "webui/log_route.h"
#include "webui/operations_routes.h"
#include "webui/page_routes.h"
#include "webui/workers_routes.h"

namespace kiln {
namespace {

// Answers 404 at `path` saying which part this server lacks.
void AddAbsent(HttpRouter& router, const char* method, const char* path, const char* what) {
  router.Handle(method, path, HttpAccess::Public(), [what](HttpRequest&, HttpResponder& responder) {
    SendJsonError(responder, Status::NotFound(std::string("this server has no ") + what));
  });
}

}  // namespace

WebUi::WebUi(const WebUiServices& services) : services_(services) {
  if (!services_.clock) services_.clock = SystemClock::Get();
}

std::unique_ptr<WebUi> WebUi::Add(HttpRouter& router, const WebUiServices& services) {
  std::unique_ptr<WebUi> ui(new WebUi(services));
  const WebUiServices& wired = ui->services_;
  AddPageRoutes(router);
  WebUi* raw = ui.get();
  // The overview's counts are public, as /metrics is: numbers, no names or contents.
  router.Handle("GET", "/api/overview", HttpAccess::Public(), [raw](HttpRequest&, HttpResponder& responder) {
    JsonWriter json;
    WriteOverview(json, raw->ReadNow());
    SendJson(responder, json.str());
  });
  router.Handle("GET", "/api/history", HttpAccess::Public(), [raw](HttpRequest&, HttpResponder& responder) {
    SendJson(responder, HistoryJson(raw->history_.Samples()));
  });
  if (wired.scheduler) {
    AddOperationRoutes(router, wired);
    AddWorkerRoutes(router, wired);
  } else {
    for (const char* path : {"/api/operations", "/api/operation", "/api/workers"}) {
      AddAbsent(router, "GET", path, "scheduler (a storage node runs no actions)");
    }
  }
  if (wired.log_streams) {
    AddLogRoute(router, wired);
  } else {
    AddAbsent(router, "GET", "/api/log", "live log streams");
  }
  if (wired.cas) AddBlobRoutes(router, wired);
  ui->Sample();  // The charts start with a point, not empty.
  return ui;
}

OverviewSample WebUi::ReadNow() const {
  return ReadOverview(services_.metrics, services_.scheduler, services_.cas_capacity_bytes,
                      UnixNanosNow(*services_.clock) / 1'000'000);
}

void WebUi::Sample() { history_.Add(ReadNow()); }

}  // namespace kiln
