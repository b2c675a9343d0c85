// GET /metrics on the HTTP port: the server's metrics in Prometheus' text format
// (server/server_metrics.h), rendered afresh for each scrape.
#pragma once

#include "http/http_router.h"
#include "server/server_metrics.h"

namespace kiln {

// Adds GET /metrics to `router`, readable by `access`: public by default, as scrapers
// usually carry no credentials and the metrics hold counts, not content (platform
// properties and method names are the only strings in them). REQUIRES: `metrics` outlives
// the router's use.
void AddMetricsRoute(HttpRouter& router, const ServerMetrics* metrics, HttpAccess access = HttpAccess::Public());

}  // namespace kiln
