// The HTTP port of kiln serve (--http-listen): Boost.Beast's HTTP/1.1 parser and serializer,
// handing each request to an HttpRouter (http_router.h). (Debian's civetweb 1.15 was the
// first choice; its TLS is built for OpenSSL 1.1's symbols and crashes on the first request
// under OpenSSL 3.)
//
// Bounded against hostile and careless clients: a connection waiting for its next request,
// or sending one slowly, holds no thread: one I/O thread reads request headers (and does TLS
// handshakes) asynchronously, each under a deadline, and only a request whose header has
// arrived goes to a worker thread, which runs its handler with blocking reads and writes that
// each give up after a timeout. Health checks and metrics have workers of their own, so a
// load balancer's probe is answered while every other worker streams a blob. Open
// connections are capped (beyond, new ones wait in the kernel's backlog), as are the request
// line and headers. Bodies are streamed both ways; handlers bound their own sizes (413).
//
// TLS: the same certificate and key files as the gRPC port, and with a client CA the same
// client-certificate rule (required or optional); a verified certificate's names become the
// request's credentials, like gRPC's.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "http/http_router.h"

namespace kiln {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8981";  // HOST:PORT; port 0 picks a free port.
  // PEM files, as for gRPC (server/server_tls.h). Empty cert_file: plaintext.
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;        // Empty: clients are not asked for certificates.
  bool client_certificate_required = true;  // With client_ca_file: refuse connections without one.
  int threads = 16;  // Requests served at once (other than the paths below).
  // Paths (without the query) served by workers of their own: cheap, and wanted most when
  // the server is busiest.
  std::vector<std::string> reserved_paths = {"/healthz", "/readyz", "/metrics"};
  int reserved_threads = 2;
  int max_connections = 1024;  // Open at once; beyond, new ones wait in the backlog.
  Duration header_timeout = std::chrono::seconds(10);      // A new connection's TLS handshake and first request header.
  Duration keep_alive_timeout = std::chrono::seconds(10);  // Idle between requests, and the next header.
  Duration io_timeout = std::chrono::seconds(30);          // Each read or write of a request's body or response.
  int64_t max_header_bytes = 16 * 1024;
};

class HttpServer {
 public:
  // Starts serving `router` (not owned; outlives the server). UNAVAILABLE naming the
  // address when it cannot be bound; INVALID_ARGUMENT for unusable TLS files.
  static StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options, const HttpRouter* router);
  // Stops accepting, waits for the requests being served, then returns.
  ~HttpServer();

  int port() const { return port_; }

 private:
  struct Context;
  class Session;
  HttpServer() = default;
  std::unique_ptr<Context> context_;
  int port_ = 0;
};

}  // namespace kiln
