#include "http/health_routes.h"

namespace kiln {

void AddHealthRoutes(HttpRouter& router, const Readiness* readiness) {
  static constexpr std::string_view kText = "text/plain; charset=utf-8";
  for (const char* method : {"GET", "HEAD"}) {
    router.Handle(method, "/healthz", HttpAccess::Public(),
                  [](HttpRequest&, HttpResponder& responder) { (void)responder.Send(200, kText, "ok\n"); });
    router.Handle(method, "/readyz", HttpAccess::Public(), [readiness](HttpRequest&, HttpResponder& responder) {
      const Status ready = readiness->Current();
      if (ready.ok()) {
        (void)responder.Send(200, kText, "ready\n");
      } else {
        (void)responder.Send(503, kText, "not ready: " + ready.message() + "\n");
      }
    });
  }
}

}  // namespace kiln
