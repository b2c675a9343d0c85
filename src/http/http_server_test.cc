// The HTTP server against clients that misbehave on real loopback sockets: stalled headers
// and bodies, idle keep-alive connections and busy workers must not keep anyone else from
// being answered, and every wait ends.
#include "http/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "auth/request_authorizer.h"

namespace kiln {
namespace {

// A client connection: raw bytes out, raw bytes in, every wait bounded.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& data) { (void)!::send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }
  // What arrives until `marker` has (or the peer closed, or 5 s without a byte).
  std::string ReceiveUntil(const std::string& marker) {
    std::string received;
    char buffer[4096];
    while (received.find(marker) == std::string::npos) {
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      received.append(buffer, static_cast<size_t>(n));
    }
    return received;
  }
  // True when the server closed the connection (a read returns end of file).
  bool ClosedByServer() {
    char byte;
    return ::recv(fd_, &byte, 1, 0) == 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::string Get(const std::string& path) { return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n"; }

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.listen = "127.0.0.1:0";
    options_.threads = 2;
    router_.Handle("GET", "/healthz", HttpAccess::Public(),
                   [](HttpRequest&, HttpResponder& responder) { (void)responder.Send(200, "text/plain", "ok\n"); });
    router_.Handle("GET", "/hello", HttpAccess::Public(),
                   [](HttpRequest&, HttpResponder& responder) { (void)responder.Send(200, "text/plain", "hello\n"); });
    // Holds its worker until released.
    router_.Handle("GET", "/block", HttpAccess::Public(), [this](HttpRequest&, HttpResponder& responder) {
      std::unique_lock lock(mutex_);
      ++blocked_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return released_; });
      (void)responder.Send(200, "text/plain", "released\n");
    });
    router_.Handle("PUT", "/upload", HttpAccess::Public(), [](HttpRequest& request, HttpResponder& responder) {
      char buffer[1024];
      size_t total = 0;
      while (true) {
        auto n = request.body->Read(buffer, sizeof(buffer));
        if (!n.ok()) return;  // The client stalled or went away.
        if (*n == 0) break;
        total += *n;
      }
      (void)responder.Send(200, "text/plain", std::to_string(total));
    });
  }
  void TearDown() override {
    Release();
    server_.reset();
  }

  void Start() {
    auto server = HttpServer::Start(options_, &router_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  void Release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  bool WaitForBlocked(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return blocked_ >= count; });
  }

  HttpServerOptions options_;
  RequestAuthorizer everyone_{nullptr, nullptr};
  HttpRouter router_{&everyone_};
  std::unique_ptr<HttpServer> server_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int blocked_ = 0;
  bool released_ = false;
};

TEST_F(HttpServerTest, ClientsThatNeverFinishTheirHeadersHoldNoWorker) {
  Start();
  // Far more half-sent requests than workers (a slowloris).
  std::vector<std::unique_ptr<RawClient>> stalled;
  for (int i = 0; i < 100; ++i) {
    stalled.push_back(std::make_unique<RawClient>(server_->port()));
    ASSERT_TRUE(stalled.back()->connected());
    stalled.back()->Send("GET /hello HTTP/1.1\r\nHost: te");
  }
  RawClient client(server_->port());
  client.Send(Get("/hello"));
  EXPECT_NE(client.ReceiveUntil("hello\n").find("200 OK"), std::string::npos);
}

TEST_F(HttpServerTest, AHeaderNotCompleteWithinItsTimeoutClosesTheConnection) {
  options_.header_timeout = std::chrono::milliseconds(300);
  Start();
  RawClient silent(server_->port());
  RawClient slow(server_->port());
  slow.Send("GET /hello HTTP/1.1\r\n");
  EXPECT_TRUE(silent.ClosedByServer());
  EXPECT_TRUE(slow.ClosedByServer());
}

TEST_F(HttpServerTest, AKeptAliveConnectionServesSeveralRequestsAndClosesWhenIdle) {
  options_.keep_alive_timeout = std::chrono::milliseconds(300);
  Start();
  RawClient client(server_->port());
  for (int i = 0; i < 3; ++i) {
    client.Send(Get("/hello"));
    EXPECT_NE(client.ReceiveUntil("hello\n").find("200 OK"), std::string::npos) << "request " << i;
  }
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(HttpServerTest, HealthChecksAreAnsweredWhileEveryOtherWorkerIsBusy) {
  Start();
  std::vector<std::unique_ptr<RawClient>> busy;
  for (int i = 0; i < options_.threads; ++i) {
    busy.push_back(std::make_unique<RawClient>(server_->port()));
    busy.back()->Send(Get("/block"));
  }
  ASSERT_TRUE(WaitForBlocked(options_.threads));
  RawClient probe(server_->port());
  probe.Send(Get("/healthz"));
  EXPECT_NE(probe.ReceiveUntil("ok\n").find("200 OK"), std::string::npos);
  // Other paths wait for a worker, and get one when the busy ones finish.
  RawClient waiting(server_->port());
  waiting.Send(Get("/hello"));
  Release();
  EXPECT_NE(waiting.ReceiveUntil("hello\n").find("200 OK"), std::string::npos);
}

TEST_F(HttpServerTest, ABodyThatStallsFreesItsWorkerAfterTheIoTimeout) {
  options_.threads = 1;
  options_.io_timeout = std::chrono::milliseconds(300);
  Start();
  RawClient stalled(server_->port());
  stalled.Send("PUT /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n0123456789");
  (void)stalled.ReceiveUntil("no such text");  // The server may answer 500 first.
  EXPECT_TRUE(stalled.ClosedByServer());
  // The only worker is free again.
  RawClient client(server_->port());
  client.Send("PUT /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nabcde");
  EXPECT_NE(client.ReceiveUntil("\r\n\r\n5").find("200 OK"), std::string::npos);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheCapWaitUntilOneCloses) {
  options_.max_connections = 4;
  options_.header_timeout = std::chrono::milliseconds(500);
  Start();
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 4; ++i) idle.push_back(std::make_unique<RawClient>(server_->port()));
  // Accepted by the kernel, served once the idle ones time out.
  RawClient late(server_->port());
  late.Send(Get("/hello"));
  EXPECT_NE(late.ReceiveUntil("hello\n").find("200 OK"), std::string::npos);
}

TEST_F(HttpServerTest, StoppingEndsRequestsInProgressAndIdleConnections) {
  Start();
  RawClient idle(server_->port());
  RawClient busy(server_->port());
  busy.Send(Get("/block"));
  ASSERT_TRUE(WaitForBlocked(1));
  std::thread stop([this] { server_.reset(); });
  // The blocked handler holds its worker until released; stopping waits for it.
  Release();
  stop.join();
  EXPECT_TRUE(idle.ClosedByServer());
}

}  // namespace
}  // namespace kiln
