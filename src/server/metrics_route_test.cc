#include "server/metrics_route.h"

#include <gtest/gtest.h>

#include "testing/http_fakes.h"

namespace kiln {
namespace {

TEST(MetricsRouteTest, ServesTheRegistryAsPrometheusText) {
  ServerMetrics metrics;
  RpcMetrics* rpc = metrics.rpc();
  rpc->Record(rpc->Find("/build.bazel.remote.execution.v2.ActionCache/GetActionResult"), 5, 0.002);
  RequestAuthorizer authorizer(nullptr, nullptr);
  HttpRouter router(&authorizer);
  AddMetricsRoute(router, &metrics);

  testing::FakeRequest request("GET", "/metrics");
  testing::FakeResponder responder;
  router.Serve(request.request, responder);
  EXPECT_EQ(responder.status(), 200);
  EXPECT_EQ(responder.headers().Get("Content-Type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(responder.body().find("kiln_grpc_server_handled_total{grpc_service=\"build.bazel.remote.execution.v2."
                                  "ActionCache\",grpc_method=\"GetActionResult\",grpc_code=\"NOT_FOUND\"} 1\n"),
            std::string::npos)
      << responder.body();
  EXPECT_NE(responder.body().find("# TYPE process_resident_memory_bytes gauge\n"), std::string::npos);
}

}  // namespace
}  // namespace kiln
