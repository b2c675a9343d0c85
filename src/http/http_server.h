// The HTTP port of kiln serve (--http-listen): Boost.Beast's HTTP/1.1 parser and serializer
// over blocking sockets, handing each request to an HttpRouter (http_router.h). (Debian's
// civetweb 1.15 was the first choice; its TLS is built for OpenSSL 1.1's symbols and
// crashes on the first request under OpenSSL 3.) Bounded against hostile clients: a fixed pool
// of threads (one per connection being served), a queue of accepted connections beyond
// which new ones wait in the kernel's backlog, timeouts on every read and write and on idle
// keep-alive connections, and a cap on the request line and headers. Bodies are streamed
// both ways; handlers bound their own sizes (413).
//
// TLS: the same certificate and key files as the gRPC port, and with a client CA the same
// client-certificate rule (required or optional); a verified certificate's names become the
// request's credentials, like gRPC's.
#pragma once

#include <memory>
#include <string>

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
  int threads = 16;                  // Connections served at once.
  int connection_queue = 64;         // Accepted connections waiting for a thread.
  Duration io_timeout = std::chrono::seconds(30);  // Each read or write of a request.
  Duration keep_alive_timeout = std::chrono::seconds(10);
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
  HttpServer() = default;
  std::unique_ptr<Context> context_;
  int port_ = 0;
};

}  // namespace kiln
