#include "server/http_port.h"

#include "http/health_routes.h"
#include "http/http_cache.h"
#include "server/metrics_route.h"

namespace kiln {

HttpServerOptions HttpServerOptionsFor(const std::string& listen, int threads, const ServerTlsOptions& tls) {
  HttpServerOptions http;
  http.listen = listen;
  http.threads = threads;
  http.cert_file = tls.cert_file;
  http.key_file = tls.key_file;
  http.client_ca_file = tls.client_ca_file;
  http.client_certificate_required = tls.client_certificates == ClientCertificates::kRequired;
  return http;
}

StatusOr<std::unique_ptr<HttpPort>> HttpPort::Start(const HttpServerOptions& options, const HttpPortServices& services) {
  std::unique_ptr<HttpPort> port(new HttpPort(services.authorizer));
  AddHealthRoutes(port->router_, services.readiness);
  HttpCacheOptions cache;
  cache.max_blob_bytes = services.max_blob_bytes;
  const DiskBlobStore* disk = services.disk;
  cache.stored_size = [disk](DigestFunction function, std::string_view hash) { return disk->StoredSize(function, hash); };
  AddHttpCacheRoutes(port->router_, services.cas, services.action_cache, std::move(cache));
  if (services.server_metrics) AddMetricsRoute(port->router_, services.server_metrics);
  WebUiServices ui;
  ui.scheduler = services.scheduler;
  ui.cas = services.cas;
  ui.log_streams = services.log_streams;
  ui.remote_logs = services.remote_logs;
  ui.metrics = services.metrics;
  ui.authorizer = services.authorizer;
  ui.cas_capacity_bytes = services.cas_capacity_bytes;
  port->ui_ = WebUi::Add(port->router_, ui);
  auto server = HttpServer::Start(options, &port->router_);
  if (!server.ok()) return server.status();
  port->server_ = std::move(server).value();
  return port;
}

HttpPort::~HttpPort() { server_.reset(); }

}  // namespace kiln
