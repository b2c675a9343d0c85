// The HTTP port of kiln serve (--http-listen): the routes every role serves -- health
// checks, the bazel-remote HTTP cache protocol over the same CAS and action cache as gRPC --
// on the HTTP server (http/http_server.h), with the gRPC port's TLS files and auth file;
// and the web UI at "/" (webui/web_ui.h). New HTTP endpoints add their routes in Start,
// before the server starts.
#pragma once

#include <memory>

#include "ac/action_cache.h"
#include "auth/request_authorizer.h"
#include "cas/blob_store.h"
#include "cas/disk_blob_store.h"
#include "common/readiness.h"
#include "http/http_router.h"
#include "http/http_server.h"
#include "server/server_metrics.h"
#include "server/server_tls.h"
#include "webui/web_ui.h"

namespace kiln {

// What the routes serve. Not owned; all outlive the HttpPort.
struct HttpPortServices {
  BlobStore* cas = nullptr;             // What clients read and write (as over gRPC).
  const DiskBlobStore* disk = nullptr;  // Tells a blob's size from its hash.
  ActionCache* action_cache = nullptr;
  const RequestAuthorizer* authorizer = nullptr;
  const Readiness* readiness = nullptr;
  int64_t max_blob_bytes = int64_t{10} << 30;
  const ServerMetrics* server_metrics = nullptr;  // Null: no /metrics.
  // For the web UI (webui/web_ui.h); null where this server has none.
  Scheduler* scheduler = nullptr;
  const LogStreamRegistry* log_streams = nullptr;
  RemoteLogReader* remote_logs = nullptr;  // In a farm: other frontends' log streams.
  const metrics::MetricRegistry* metrics = nullptr;
  int64_t cas_capacity_bytes = 0;  // The disk CAS's budget (--max-cas-bytes).
};

// The HTTP server's options: `listen`, `threads`, and the gRPC port's TLS files and
// client-certificate rule (the files are read once, at start; gRPC re-reads its own).
HttpServerOptions HttpServerOptionsFor(const std::string& listen, int threads, const ServerTlsOptions& tls);

class HttpPort {
 public:
  static StatusOr<std::unique_ptr<HttpPort>> Start(const HttpServerOptions& options, const HttpPortServices& services);
  // Stops the server (requests in progress are cut off).
  ~HttpPort();

  int port() const { return server_->port(); }
  // A sample for the web UI's charts of the last hour; call every 10 s.
  void SampleForCharts() { ui_->Sample(); }

 private:
  explicit HttpPort(const RequestAuthorizer* authorizer) : router_(authorizer) {}
  HttpRouter router_;
  std::unique_ptr<WebUi> ui_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace kiln
