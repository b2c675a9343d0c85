#include "server/metrics_route.h"

#include "metrics/text_exposition.h"

namespace kiln {

void AddMetricsRoute(HttpRouter& router, const ServerMetrics* metrics, HttpAccess access) {
  router.Handle("GET", "/metrics", std::move(access), [metrics](HttpRequest&, HttpResponder& responder) {
    HttpHeaders headers;
    headers.Add("Content-Type", metrics::kTextContentType);
    // A scrape must never be served from a cache: every one reads the values now.
    headers.Add("Cache-Control", "no-store");
    (void)responder.Send(200, std::move(headers), metrics->Render());
  });
}

}  // namespace kiln
