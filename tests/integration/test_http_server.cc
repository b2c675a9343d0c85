#include "test_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace kiln_test {
namespace {

// Waits (in short slices, so `stopping` is noticed) until fd is readable; false on stop or
// after `limit`.
bool WaitReadable(int fd, const std::atomic<bool>& stopping, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!stopping && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) return true;
  }
  return false;
}

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// The value of header `name` (case-insensitive) in a request head, if present.
std::optional<std::string> HeaderValue(const std::string& head, const std::string& name) {
  const std::string lower_head = Lower(head);
  const std::string needle = "\r\n" + Lower(name) + ":";
  size_t at = lower_head.find(needle);
  if (at == std::string::npos) return std::nullopt;
  size_t start = at + needle.size();
  size_t end = head.find("\r\n", start);
  std::string value = head.substr(start, end - start);
  value.erase(0, value.find_first_not_of(' '));
  return value;
}

}  // namespace

TestHttpServer::TestHttpServer(std::string address_text) : address_(std::move(address_text)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  // Loopback only, whatever the caller asks: tests never listen on another network.
  if (::inet_pton(AF_INET, address_.c_str(), &address.sin_addr) != 1 || (ntohl(address.sin_addr.s_addr) >> 24) != 127) {
    return;  // port() stays 0; tests fail on their first request.
  }
  socklen_t length = sizeof address;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return;  // port() stays 0; tests fail on their first request.
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

void TestHttpServer::Serve(const std::string& path, std::string body) {
  std::lock_guard lock(mutex_);
  routes_[path].body = std::move(body);
}

void TestHttpServer::RequireHeader(const std::string& path, const std::string& name, const std::string& value) {
  std::lock_guard lock(mutex_);
  routes_[path].required_header = std::make_pair(name, value);
}

void TestHttpServer::Stall(const std::string& path) {
  std::lock_guard lock(mutex_);
  routes_[path].stall = true;
}

void TestHttpServer::Redirect(const std::string& path, const std::string& location) {
  std::lock_guard lock(mutex_);
  routes_[path].redirect = location;
}

int TestHttpServer::requests(const std::string& path) const {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(path);
  return it == requests_.end() ? 0 : it->second;
}

void TestHttpServer::Stop() {
  if (stopping_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(mutex_);
    connections.swap(connections_);
  }
  for (std::thread& thread : connections) thread.join();
}

void TestHttpServer::AcceptLoop() {
  while (!stopping_) {
    if (!WaitReadable(listen_fd_, stopping_, std::chrono::seconds(1))) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mutex_);
    connections_.emplace_back([this, fd] {
      Handle(fd);
      ::close(fd);
    });
  }
}

void TestHttpServer::Handle(int fd) {
  std::string head;
  char buffer[4096];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 64 * 1024) {
    if (!WaitReadable(fd, stopping_, std::chrono::seconds(10))) return;
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    head.append(buffer, static_cast<size_t>(n));
  }
  // "GET /path HTTP/1.1"
  const size_t path_start = head.find(' ') + 1;
  const std::string path = head.substr(path_start, head.find(' ', path_start) - path_start);
  Route route;
  bool found = false;
  {
    std::lock_guard lock(mutex_);
    ++requests_[path];
    auto it = routes_.find(path);
    if (it != routes_.end()) {
      route = it->second;
      found = true;
    }
  }
  if (route.stall) {
    WaitReadable(fd, stopping_, std::chrono::seconds(60));  // Until Stop() (or the client leaves).
    return;
  }
  std::string status = "200 OK";
  std::string body = route.body;
  std::string extra_headers;
  if (found && !route.redirect.empty()) {
    status = "302 Found";
    body = "moved";
    extra_headers = "Location: " + route.redirect + "\r\n";
  } else if (!found) {
    status = "404 Not Found";
    body = "not found";
  } else if (route.required_header && HeaderValue(head, route.required_header->first) != route.required_header->second) {
    status = "403 Forbidden";
    body = "forbidden";
  }
  SendAll(fd, "HTTP/1.1 " + status + "\r\n" + extra_headers + "Content-Length: " + std::to_string(body.size()) +
                  "\r\nConnection: close\r\n\r\n" + body);
}

}  // namespace kiln_test
