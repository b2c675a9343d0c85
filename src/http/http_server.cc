#include "http/http_server.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "http/certificate_names.h"
#include "http/http_exchange.h"
#include "http/timed_socket.h"

namespace kiln {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::chrono::milliseconds Millis(Duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration);
}

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
  std::unique_ptr<asio::ssl::context> tls;  // Null: plaintext.

  std::mutex mutex;
  std::condition_variable changed;
  // Sessions whose request header has arrived, waiting for a worker: [0] the reserved
  // paths', [1] the others'.
  std::deque<std::shared_ptr<Session>> ready[2];
  std::set<int> open;  // Descriptors of the open connections.
  bool accepting_paused = false;
  bool stopping = false;

  // Declared after what sessions touch when they end: the I/O context's destructor ends
  // the sessions its pending handlers hold.
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread io_thread;
  std::vector<std::thread> workers;

  void Accept();
  void Work(int queue);
  void Hand(std::shared_ptr<Session> session, bool reserved);
  void Closed(int descriptor);
};

// One connection: its header reads on the I/O thread, its requests on workers, one at a time.
class HttpServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Context& context, tcp::socket socket)
      : context_(context), socket_(std::move(socket)), timer_(context.io), descriptor_(socket_.socket().native_handle()) {
    boost::system::error_code error;
    const auto remote = socket_.socket().remote_endpoint(error);
    peer_.address = error ? "unknown" : remote.address().to_string() + ":" + std::to_string(remote.port());
    if (context_.tls) tls_.emplace(socket_, *context_.tls);
  }
  ~Session() { context_.Closed(descriptor_); }

  // On the I/O thread.
  void Start() {
    if (!tls_) return ReadHeader(context_.options.header_timeout);
    Arm(context_.options.header_timeout);
    tls_->async_handshake(asio::ssl::stream_base::server,
                          [self = shared_from_this()](const boost::system::error_code& error) {
                            self->Disarm();
                            if (!error) self->OnHandshake();
                          });
  }

  // On a worker: serves the request whose header arrived, then waits for the next one (or
  // closes the connection).
  void Serve() {
    socket_.set_timeout(Millis(context_.options.io_timeout));
    const bool again = tls_ ? HttpExchange(*tls_, buffer_, *context_.router, peer_).Serve(*parser_)
                            : HttpExchange(socket_, buffer_, *context_.router, peer_).Serve(*parser_);
    asio::post(context_.io, [self = shared_from_this(), again] {
      if (again) self->ReadHeader(self->context_.options.keep_alive_timeout);
      else self->Close();
    });
  }

 private:
  void OnHandshake() {
    if (X509* certificate = SSL_get1_peer_certificate(tls_->native_handle())) {
      // Verified against the client CA by the handshake (a bad one does not get this far).
      if (SSL_get_verify_result(tls_->native_handle()) == X509_V_OK) peer_.certificate_names = CertificateNames(certificate);
      X509_free(certificate);
    }
    ReadHeader(context_.options.header_timeout);
  }

  // The whole header must arrive within `limit` (for a kept-alive connection, counted from
  // the end of its previous response).
  void ReadHeader(Duration limit) {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(context_.options.max_header_bytes));
    // Handlers bound their bodies (413) as they read. (Not boost::none: Boost 1.74 then
    // refuses every body.)
    parser_->body_limit(std::numeric_limits<uint64_t>::max());
    Arm(limit);
    auto done = [self = shared_from_this()](const boost::system::error_code& error, size_t) {
      self->Disarm();
      if (!error) self->OnHeader();
    };
    if (tls_) http::async_read_header(*tls_, buffer_, *parser_, std::move(done));
    else http::async_read_header(socket_, buffer_, *parser_, std::move(done));
  }

  void OnHeader() {
    const auto target = parser_->get().target();
    const std::string_view path(target.data(), std::min(target.size(), target.find('?')));
    const auto& reserved = context_.options.reserved_paths;
    context_.Hand(shared_from_this(), std::find(reserved.begin(), reserved.end(), path) != reserved.end());
  }

  // When the timer runs out first, the connection is closed, which ends what waits on it.
  // Both run on the I/O thread; a deadline that fired just as its wait completed (its
  // handler already queued when Disarm cancelled it) finds the arming gone and does nothing,
  // rather than close a connection a worker now serves.
  void Arm(Duration limit) {
    const uint64_t arming = ++arming_;
    timer_.expires_after(limit);
    timer_.async_wait([weak = weak_from_this(), arming](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (error || !self || self->arming_ != arming) return;
      boost::system::error_code ignored;
      self->socket_.socket().close(ignored);
    });
  }
  void Disarm() {
    ++arming_;
    timer_.cancel();
  }

  // TLS says goodbye (close_notify) without waiting long for the client's.
  void Close() {
    if (!tls_) return;
    Arm(std::chrono::seconds(1));
    tls_->async_shutdown([self = shared_from_this()](const boost::system::error_code&) { self->Disarm(); });
  }

  Context& context_;
  TimedSocket socket_;
  std::optional<asio::ssl::stream<TimedSocket&>> tls_;
  asio::steady_timer timer_;
  uint64_t arming_ = 0;  // Which Arm the timer serves; I/O thread only.
  const int descriptor_;
  HttpPeer peer_;
  boost::beast::flat_buffer buffer_;
  std::optional<HttpExchange<TimedSocket>::Parser> parser_;
};

void HttpServer::Context::Accept() {
  acceptor.async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;  // Stopping.
    if (!error) {
      std::unique_lock lock(mutex);
      if (stopping) return;
      open.insert(socket.native_handle());
      lock.unlock();
      std::make_shared<Session>(*this, std::move(socket))->Start();
    }
    // Errors (the client gave up, or no descriptor for a moment) do not stop the acceptor.
    std::lock_guard lock(mutex);
    if (stopping) return;
    if (open.size() >= static_cast<size_t>(options.max_connections)) {
      accepting_paused = true;  // Until a connection closes (Closed).
      return;
    }
    Accept();
  });
}

void HttpServer::Context::Closed(int descriptor) {
  std::lock_guard lock(mutex);
  open.erase(descriptor);
  if (accepting_paused && !stopping) {
    accepting_paused = false;
    asio::post(io, [this] { Accept(); });
  }
}

void HttpServer::Context::Hand(std::shared_ptr<Session> session, bool reserved) {
  std::lock_guard lock(mutex);
  if (stopping) return;
  ready[reserved ? 0 : 1].push_back(std::move(session));
  changed.notify_all();
}

void HttpServer::Context::Work(int queue) {
  while (true) {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return stopping || !ready[queue].empty(); });
    if (stopping) return;
    std::shared_ptr<Session> session = std::move(ready[queue].front());
    ready[queue].pop_front();
    lock.unlock();
    session->Serve();
  }
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
  for (int i = 0; i < std::max(options.reserved_threads, 1); ++i) raw->workers.emplace_back([raw] { raw->Work(0); });
  for (int i = 0; i < std::max(options.threads, 1); ++i) raw->workers.emplace_back([raw] { raw->Work(1); });
  raw->Accept();
  raw->io_thread = std::thread([raw] { raw->io.run(); });
  server->context_ = std::move(context);
  return server;
}

HttpServer::~HttpServer() {
  if (!context_) return;
  Context& context = *context_;
  {
    std::lock_guard lock(context.mutex);
    context.stopping = true;
    // Wakes every blocked read or write of a worker: requests in progress end now.
    for (int descriptor : context.open) ::shutdown(descriptor, SHUT_RDWR);
  }
  context.changed.notify_all();
  for (std::thread& worker : context.workers) worker.join();
  context.io.stop();
  context.io_thread.join();
  // Sessions end here (waiting for a worker) or with the I/O context (waiting for a header).
  for (auto& queue : context.ready) queue.clear();
  context_.reset();
}

}  // namespace kiln
