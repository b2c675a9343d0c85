// A tiny HTTP/1.1 server on a loopback address (127.0.0.1 unless told another in
// 127.0.0.0/8; free port) for the Remote Asset tests: serves fixed bodies, answers 404 for
// unknown paths, 403 when a route's required header is missing, 302 for a redirecting
// route, and can stall a route without answering (for timeouts). One thread per
// connection; every loop is bounded and Stop() (or the destructor) ends them all.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace kiln_test {

class TestHttpServer {
 public:
  // Listens at once; port() is valid after construction.
  explicit TestHttpServer(std::string address = "127.0.0.1");
  ~TestHttpServer() { Stop(); }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  void Serve(const std::string& path, std::string body);
  // The route answers 403 unless the request has header `name` with exactly `value`.
  void RequireHeader(const std::string& path, const std::string& name, const std::string& value);
  // The route never answers (until Stop()).
  void Stall(const std::string& path);
  // The route answers 302 Found with this Location.
  void Redirect(const std::string& path, const std::string& location);

  std::string Url(const std::string& path) const { return "http://" + address_ + ":" + std::to_string(port_) + path; }
  int port() const { return port_; }
  int requests(const std::string& path) const;
  // Closes the listening socket (later connections are refused) and joins every thread.
  void Stop();

 private:
  struct Route {
    std::string body;
    std::optional<std::pair<std::string, std::string>> required_header;
    bool stall = false;
    std::string redirect;  // Location, if non-empty.
  };
  void AcceptLoop();
  void Handle(int fd);

  const std::string address_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<std::string, Route> routes_;  // Guarded by mutex_.
  std::map<std::string, int> requests_;  // Guarded by mutex_.
  std::vector<std::thread> connections_;  // Guarded by mutex_.
  std::thread acceptor_;
};

}  // namespace kiln_test
