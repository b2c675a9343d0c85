// The operations pages' endpoints: the list (filtered, paged, newest first) and one
// operation with its Action, Command and result decoded, and its phases' timestamps.
// Callers need `execute` on some instance and see their own operations, or all of them
// with `admin` (ui_access.h); the Action and Command also need `cas-read` on the
// operation's instance, and are left out, saying why, without it.
#pragma once

#include "http/http_router.h"
#include "scheduler/scheduler.h"
#include "webui/web_ui_services.h"

namespace kiln {

// GET /api/operations and GET /api/operation. REQUIRES: services.scheduler and clock set.
void AddOperationRoutes(HttpRouter& router, const WebUiServices& services);

// The operations `caller` may see that match `filter` (and, with `failed_only`, that
// failed), one page of them, newest first: an admin's through the scheduler's operator
// query, anyone else's from their own operations.
StatusOr<OperationPage> QueryOperations(const Scheduler& scheduler, const Caller& caller, const OperationFilter& filter,
                                        bool failed_only);

}  // namespace kiln
