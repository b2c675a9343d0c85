// The workers page's endpoints: GET /api/workers lists every worker (id, platform, slots,
// what it runs, drained or not) to callers with `execute` on some instance; POST
// /api/workers/drain?id= and /api/workers/undrain?id= need `admin` (ui_access.h). The
// POSTs also need the header "X-Kiln-UI: 1", which the pages send and which a form on
// another site cannot (a custom header needs a CORS preflight that kiln never grants), so a
// logged-in admin's browser cannot be made to drain workers by someone else's page.
#pragma once

#include "http/http_router.h"
#include "webui/web_ui_services.h"

namespace kiln {

// REQUIRES: services.scheduler set.
void AddWorkerRoutes(HttpRouter& router, const WebUiServices& services);

}  // namespace kiln
