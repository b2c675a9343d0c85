// The HTTP health checks, public (load balancers and orchestrators carry no credentials):
//   GET /healthz  200 "ok" whenever the process serves HTTP at all (liveness);
//   GET /readyz   200 "ready" when the stores are open and the backplane answers, else 503
//                 with the reason (common/readiness.h).
#pragma once

#include "common/readiness.h"
#include "http/http_router.h"

namespace kiln {

// REQUIRES: `readiness` outlives the router.
void AddHealthRoutes(HttpRouter& router, const Readiness* readiness);

}  // namespace kiln
