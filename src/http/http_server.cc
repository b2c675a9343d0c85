#include "http/http_server.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>
#include <variant>

#include "http/certificate_names.h"
#include "http/request_target.h"

namespace kiln {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

Status IoError(const char* what, const boost::system::error_code& error) {
  return Status::Unavailable(std::string(what) + ": " + error.message());
}

// Blocking reads and writes give up after `timeout` without progress: a client that stalls
// frees its thread.
void SetSocketTimeouts(tcp::socket& socket, Duration timeout) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  timeval tv{static_cast<time_t>(micros / 1'000'000), static_cast<suseconds_t>(micros % 1'000'000)};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// One connection's requests, over plain TCP or TLS (Stream).
template <typename Stream>
class Connection {
 public:
  Connection(Stream& stream, tcp::socket& socket, const HttpRouter& router, const HttpServerOptions& options,
             std::string peer, std::vector<std::string> certificate_names)
      : stream_(stream), socket_(socket), router_(router), options_(options), peer_(std::move(peer)),
        certificate_names_(std::move(certificate_names)) {}

  void Serve() {
    for (bool first = true;; first = false) {
      // Between requests, a connection may stay idle only for the keep-alive timeout.
      if (!first) SetSocketTimeouts(socket_, options_.keep_alive_timeout);
      http::request_parser<http::buffer_body> parser;
      parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
      // Handlers bound their bodies (413) as they read. (Not boost::none: Boost 1.74 then
      // refuses every body.)
      parser.body_limit(std::numeric_limits<uint64_t>::max());
      boost::system::error_code error;
      http::read_header(stream_, buffer_, parser, error);
      if (error) return;
      SetSocketTimeouts(socket_, options_.io_timeout);
      if (!ServeOne(parser)) return;
    }
  }

 private:
  class BodyReader : public HttpBodyReader {
   public:
    BodyReader(Connection& connection, http::request_parser<http::buffer_body>& parser, bool expects_continue)
        : connection_(connection), parser_(parser), expects_continue_(expects_continue) {}
    StatusOr<size_t> Read(char* buffer, size_t max) override {
      if (parser_.is_done() || max == 0) return size_t{0};
      if (expects_continue_) {
        // The client waits for this before it sends the body (curl does for large PUTs).
        expects_continue_ = false;
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        boost::system::error_code error;
        asio::write(connection_.stream_, asio::buffer(kContinue.data(), kContinue.size()), error);
        if (error) return IoError("writing 100 Continue", error);
      }
      auto& body = parser_.get().body();
      body.data = buffer;
      body.size = max;
      boost::system::error_code error;
      http::read(connection_.stream_, connection_.buffer_, parser_, error);
      if (error == http::error::need_buffer) error = {};
      if (error) return IoError("reading the request body", error);
      return max - body.size;
    }

   private:
    Connection& connection_;
    http::request_parser<http::buffer_body>& parser_;
    bool expects_continue_;
  };

  class Responder : public HttpResponder {
   public:
    Responder(Connection& connection, unsigned version, bool keep_alive, bool head)
        : connection_(connection), version_(version), keep_alive_(keep_alive), head_(head) {}

    Status Start(int status, const HttpHeaders& headers, std::optional<int64_t> content_length) override {
      if (started_) return Status::Internal("HTTP response started twice");
      started_ = true;
      response_.result(static_cast<unsigned>(status));
      response_.version(version_);
      for (const auto& [name, value] : headers.fields()) response_.insert(name, value);
      if (content_length) {
        response_.content_length(static_cast<uint64_t>(*content_length));
      } else if (!head_) {
        response_.chunked(true);
      }
      response_.keep_alive(keep_alive_);
      serializer_.emplace(response_);
      boost::system::error_code error;
      http::write_header(connection_.stream_, *serializer_, error);
      if (error) return Fail("writing the response header", error);
      return Status::Ok();
    }

    Status Write(std::string_view data) override {
      if (!started_ || finished_) return Status::Internal("HTTP body written outside a response");
      if (failed_) return Status::Unavailable("the client has gone");
      if (head_ || data.empty()) return Status::Ok();
      auto& body = response_.body();
      body.data = const_cast<char*>(data.data());
      body.size = data.size();
      body.more = true;
      boost::system::error_code error;
      http::write(connection_.stream_, *serializer_, error);
      if (error == http::error::need_buffer) error = {};
      if (error) return Fail("writing the response body", error);
      return Status::Ok();
    }

    Status Finish() override {
      if (!started_ || finished_) return Status::Internal("HTTP response finished twice or never started");
      finished_ = true;
      if (failed_) return Status::Unavailable("the client has gone");
      if (head_) return Status::Ok();
      auto& body = response_.body();
      body.data = nullptr;
      body.size = 0;
      body.more = false;
      boost::system::error_code error;
      http::write(connection_.stream_, *serializer_, error);
      if (error) return Fail("ending the response", error);
      return Status::Ok();
    }

    bool started() const override { return started_; }
    bool complete() const { return finished_ && !failed_; }

   private:
    Status Fail(const char* what, const boost::system::error_code& error) {
      failed_ = true;
      return IoError(what, error);
    }
    Connection& connection_;
    const unsigned version_;
    const bool keep_alive_;
    const bool head_;
    http::response<http::buffer_body> response_;
    std::optional<http::response_serializer<http::buffer_body>> serializer_;
    bool started_ = false;
    bool finished_ = false;
    bool failed_ = false;
  };

  // False when the connection must close.
  bool ServeOne(http::request_parser<http::buffer_body>& parser) {
    const auto& message = parser.get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    auto target = ParseRequestTarget(std::string_view(message.target().data(), message.target().size()));
    for (const auto& field : message) {
      request.headers.Add(std::string(field.name_string()), std::string(field.value()));
    }
    if (parser.content_length()) request.content_length = static_cast<int64_t>(*parser.content_length());
    const auto expect = request.headers.Get("expect");
    BodyReader body(*this, parser, expect && (*expect == "100-continue" || *expect == "100-Continue"));
    request.body = &body;
    request.peer = peer_;
    request.credentials.certificate_names = certificate_names_;
    if (auto authorization = request.headers.Get("authorization")) request.credentials.authorization = *authorization;
    Responder responder(*this, message.version(), message.keep_alive(), request.method == "HEAD");
    if (!target.ok()) {
      (void)SendStatus(responder, target.status());
    } else {
      request.path = std::move(target->path);
      request.query = std::move(target->query);
      router_.Serve(request, responder);
    }
    if (!responder.started()) (void)SendStatus(responder, Status::Internal("the handler sent no response"));
    if (!responder.complete() || !message.keep_alive()) return false;
    // What the handler left unread of the body must go before the next request can be
    // read; a little is skipped, a lot closes the connection instead.
    char skipped[16 * 1024];
    for (int64_t left = 1 << 20; !parser.is_done() && left > 0; left -= static_cast<int64_t>(sizeof(skipped))) {
      auto n = body.Read(skipped, sizeof(skipped));
      if (!n.ok()) return false;
    }
    return parser.is_done();
  }

  Stream& stream_;
  tcp::socket& socket_;
  const HttpRouter& router_;
  const HttpServerOptions& options_;
  const std::string peer_;
  const std::vector<std::string> certificate_names_;
  boost::beast::flat_buffer buffer_;
};

StatusOr<tcp::endpoint> ParseListenAddress(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("--http-listen: expected HOST:PORT, got " + listen);
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) port = -1;
  } catch (...) {
  }
  if (port < 0 || port > 65535) return Status::InvalidArgument("--http-listen: bad port in " + listen);
  boost::system::error_code error;
  const auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, error);
  if (error) return Status::InvalidArgument("--http-listen: " + host + " is not an IP address");
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

}  // namespace

struct HttpServer::Context {
  HttpServerOptions options;
  const HttpRouter* router = nullptr;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::unique_ptr<asio::ssl::context> tls;  // Null: plaintext.
  std::thread accept_thread;
  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<tcp::socket> queue;  // Accepted, waiting for a worker.
  std::vector<int> serving;       // Descriptors of the connections being served.
  bool stopping = false;

  void Accept();
  void Work();
  void ServeConnection(tcp::socket& socket);
};

void HttpServer::Context::Accept() {
  while (true) {
    {
      // A full queue leaves further connections in the kernel's backlog.
      std::unique_lock lock(mutex);
      changed.wait(lock, [this] { return stopping || queue.size() < static_cast<size_t>(options.connection_queue); });
      if (stopping) return;
    }
    boost::system::error_code error;
    tcp::socket socket(io);
    acceptor.accept(socket, error);
    std::lock_guard lock(mutex);
    if (stopping) return;
    if (error) continue;  // The client gave up, or out of descriptors for a moment.
    queue.push_back(std::move(socket));
    changed.notify_all();
  }
}

void HttpServer::Context::Work() {
  while (true) {
    std::unique_lock lock(mutex);
    changed.wait(lock, [this] { return stopping || !queue.empty(); });
    if (stopping) return;
    tcp::socket socket = std::move(queue.front());
    queue.pop_front();
    serving.push_back(socket.native_handle());
    changed.notify_all();
    lock.unlock();
    ServeConnection(socket);
    lock.lock();
    std::erase(serving, socket.native_handle());
    lock.unlock();
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
}

void HttpServer::Context::ServeConnection(tcp::socket& socket) {
  SetSocketTimeouts(socket, options.io_timeout);
  boost::system::error_code error;
  const auto remote = socket.remote_endpoint(error);
  const std::string peer = error ? "unknown" : remote.address().to_string() + ":" + std::to_string(remote.port());
  if (!tls) {
    Connection<tcp::socket>(socket, socket, *router, options, peer, {}).Serve();
    return;
  }
  asio::ssl::stream<tcp::socket&> stream(socket, *tls);
  stream.handshake(asio::ssl::stream_base::server, error);
  if (error) return;
  std::vector<std::string> names;
  if (X509* certificate = SSL_get1_peer_certificate(stream.native_handle())) {
    // Verified against the client CA by the handshake (a bad one does not get this far).
    if (SSL_get_verify_result(stream.native_handle()) == X509_V_OK) names = CertificateNames(certificate);
    X509_free(certificate);
  }
  Connection<asio::ssl::stream<tcp::socket&>>(stream, socket, *router, options, peer, std::move(names)).Serve();
  stream.shutdown(error);
}

namespace {

StatusOr<std::unique_ptr<asio::ssl::context>> NewTlsContext(const HttpServerOptions& options) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  boost::system::error_code error;
  context->use_certificate_chain_file(options.cert_file, error);
  if (error) return Status::InvalidArgument("--tls-cert " + options.cert_file + ": " + error.message());
  context->use_private_key_file(options.key_file, asio::ssl::context::pem, error);
  if (error) return Status::InvalidArgument("--tls-key " + options.key_file + ": " + error.message());
  if (!options.client_ca_file.empty()) {
    context->load_verify_file(options.client_ca_file, error);
    if (error) return Status::InvalidArgument("--tls-client-ca " + options.client_ca_file + ": " + error.message());
    auto mode = asio::ssl::verify_peer;
    if (options.client_certificate_required) mode |= asio::ssl::verify_fail_if_no_peer_cert;
    context->set_verify_mode(mode);
  }
  return context;
}

}  // namespace

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options, const HttpRouter* router) {
  auto endpoint = ParseListenAddress(options.listen);
  if (!endpoint.ok()) return endpoint.status();
  auto context = std::make_unique<Context>();
  context->options = options;
  context->router = router;
  if (!options.cert_file.empty()) {
    auto tls = NewTlsContext(options);
    if (!tls.ok()) return tls.status();
    context->tls = std::move(tls).value();
  }
  boost::system::error_code error;
  auto& acceptor = context->acceptor;
  acceptor.open(endpoint->protocol(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(*endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) return Status::Unavailable("cannot listen for HTTP on " + options.listen + ": " + error.message());
  auto server = std::unique_ptr<HttpServer>(new HttpServer());
  server->port_ = acceptor.local_endpoint().port();
  Context* raw = context.get();
  for (int i = 0; i < std::max(options.threads, 1); ++i) raw->workers.emplace_back([raw] { raw->Work(); });
  raw->accept_thread = std::thread([raw] { raw->Accept(); });
  server->context_ = std::move(context);
  return server;
}

HttpServer::~HttpServer() {
  if (!context_) return;
  {
    std::lock_guard lock(context_->mutex);
    context_->stopping = true;
    // Wakes the blocked accept and every blocked read or write: connections end now.
    ::shutdown(context_->acceptor.native_handle(), SHUT_RDWR);
    for (int fd : context_->serving) ::shutdown(fd, SHUT_RDWR);
  }
  context_->changed.notify_all();
  context_->accept_thread.join();
  for (std::thread& worker : context_->workers) worker.join();
}

}  // namespace kiln
