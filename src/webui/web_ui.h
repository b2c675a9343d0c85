// The web UI at "/": the pages (one HTML shell and its scripts, from web/, embedded at
// build time) and the JSON endpoints under /api/ they read, which are thin adapters over
// the core: the scheduler's operator queries (scheduler/scheduler_queries.h), the CAS, the
// live log streams and the metric registry. No gRPC.
//
//   GET  /, /operations, /operations/NAME, /workers, /blob/FUNCTION/HASH/SIZE  the pages
//   GET  /ui/app.js, /ui/app.css            their scripts (one file) and style sheet
//   GET  /api/overview, /api/history        numbers now; the last hour, every 10 s
//   GET  /api/operations?instance=&stage=&exit_code=&failed=&offset=&limit=
//   GET  /api/operation?name=NAME           one operation with its Action and Command
//   GET  /api/log?name=READ_NAME&offset=N   live output from offset N (poll again)
//   GET  /api/blob/FUNCTION/HASH/SIZE?type= a blob decoded (Action, Command, Directory,
//                                           Tree, ActionResult) or described
//   GET  /api/raw/FUNCTION/HASH/SIZE?name=  the blob's bytes (a download with a name)
//   GET  /api/workers                       workers and what they run
//   POST /api/workers/drain?id=, /api/workers/undrain?id=   (admin)
//
// Who may see what: ui_access.h. The pages themselves are public (code, no data); every
// /api/ endpoint but the overview's counts checks the caller.
#pragma once

#include <memory>

#include "common/clock.h"
#include "http/http_router.h"
#include "webui/overview_history.h"
#include "webui/web_ui_services.h"

namespace kiln {

class WebUi {
 public:
  // Adds the routes to `router` (which must not outlive this).
  static std::unique_ptr<WebUi> Add(HttpRouter& router, const WebUiServices& services);

  // Takes a sample for the last hour's charts. The server calls it every 10 s.
  void Sample();

 private:
  explicit WebUi(const WebUiServices& services);
  OverviewSample ReadNow() const;

  WebUiServices services_;
  OverviewHistory history_;
};

}  // namespace kiln
