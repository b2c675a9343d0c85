#include "asset/git_destination.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "asset/git_checkout.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

// Answers every HTTP request on 127.0.0.1 with one fixed response, and records the request
// lines: enough to see where git connected, without a git server.
class RecordingHttpListener {
 public:
  explicit RecordingHttpListener(std::string response) : response_(std::move(response)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RecordingHttpListener() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      std::string head;
      char buffer[4096];
      for (int i = 0; i < 100 && head.find("\r\n\r\n") == std::string::npos; ++i) {
        pollfd c{client, POLLIN, 0};
        if (::poll(&c, 1, 100) <= 0) continue;
        const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        head.append(buffer, static_cast<size_t>(n));
      }
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(head.substr(0, head.find("\r\n")));
      }
      (void)::send(client, response_.data(), response_.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }

  const std::string response_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> requests_;  // Guarded by mutex_.
  std::thread thread_;
};

const std::string kNotFound = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

IpAddress Ip(const char* text) { return *ParseIpAddress(text); }

// A resolver that knows one name, and counts how often it was asked.
struct TableResolver {
  std::string name;
  std::vector<IpAddress> addresses;
  int lookups = 0;
  HostResolver Function() {
    return [this](const std::string& host) -> StatusOr<std::vector<IpAddress>> {
      ++lookups;
      if (host != name) return Status::Unavailable("cannot resolve host \"" + host + "\"");
      return addresses;
    };
  }
};

DestinationPolicy Allowing(const char* network) { return DestinationPolicy({*ParseIpNetwork(network)}); }

TEST(GitDestinationTest, FileUrisAndAnOpenPolicyNeedNothing) {
  TableResolver resolver;
  EXPECT_TRUE(GitDestinationConfig("file:///srv/repo.git", DestinationPolicy(), resolver.Function())->empty());
  EXPECT_TRUE(GitDestinationConfig("http://127.0.0.1/r.git", DestinationPolicy::AllowingAll(), resolver.Function())
                  ->empty());
  EXPECT_EQ(resolver.lookups, 0);
  EXPECT_EQ(GitDestinationConfig("ssh://host/r.git", DestinationPolicy()).status().code(), StatusCode::kInvalidArgument);
}

TEST(GitDestinationTest, RefusesBlockedAddressesLiteralOrResolved) {
  for (const char* uri : {"http://127.0.0.1:8080/r.git", "https://[::1]/r.git", "http://[::ffff:10.0.0.1]/r.git",
                          "http://169.254.169.254/latest/", "http://2130706433/r.git"}) {
    auto config = GitDestinationConfig(uri, DestinationPolicy());
    EXPECT_EQ(config.status().code(), StatusCode::kPermissionDenied) << uri;
    EXPECT_NE(config.status().message().find("--asset-allow-private-networks"), std::string::npos) << uri;
  }
  TableResolver resolver{"internal.example", {Ip("10.0.0.5"), Ip("fd00::5")}};
  auto config = GitDestinationConfig("https://internal.example/r.git", DestinationPolicy(), resolver.Function());
  EXPECT_EQ(config.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(config.status().message().find("10.0.0.5"), std::string::npos) << config.status().message();
  EXPECT_EQ(resolver.lookups, 1);
}

TEST(GitDestinationTest, PinsTheHostToItsAllowedAddressesAndTurnsRedirectsOff) {
  TableResolver resolver{"git.example", {Ip("93.184.216.34"), Ip("10.0.0.5"), Ip("2606:2800:220:1::1")}};
  auto config = GitDestinationConfig("https://git.example/r.git", DestinationPolicy(), resolver.Function());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(*config, (std::vector<std::string>{"http.followRedirects=false",
                                               "http.curloptResolve=git.example:443:93.184.216.34,[2606:2800:220:1::1]"}));
  config = GitDestinationConfig("http://git.example:8080/r.git", DestinationPolicy(), resolver.Function());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->back(), "http.curloptResolve=git.example:8080:93.184.216.34,[2606:2800:220:1::1]");
  // A literal address is connected to as it is; only redirects need turning off.
  config = GitDestinationConfig("http://93.184.216.34/r.git", DestinationPolicy(), resolver.Function());
  EXPECT_EQ(*config, std::vector<std::string>{"http.followRedirects=false"});
}

TEST(GitDestinationTest, RefusesHostNamesItCannotPinExactly) {
  TableResolver resolver{"bücher.example", {Ip("93.184.216.34")}};
  for (const char* uri : {"https://bücher.example/r.git", "https://host%20name/r.git"}) {
    auto config = GitDestinationConfig(uri, DestinationPolicy(), resolver.Function());
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument) << uri << ": " << config.status().ToString();
  }
  EXPECT_EQ(resolver.lookups, 0);
}

class GitPinnedCheckoutTest : public ::testing::Test {
 protected:
  StatusOr<std::string> Checkout(const std::string& uri, const DestinationPolicy& policy, TableResolver& resolver) {
    auto config = GitDestinationConfig(uri, policy, resolver.Function());
    if (!config.ok()) return config.status();
    GitCheckoutRequest request{uri, "", "", std::chrono::seconds(30), std::move(config).value()};
    return GitCheckout(*runner_, request, work_.path(), stop_);
  }

  TempDir work_;
  std::unique_ptr<Runner> runner_ = NewProcessRunner();
  std::atomic<bool> stop_{false};
};

// The name does not exist in DNS (.invalid never does): git reaches the listener only if it
// connects to the address kiln resolved and checked, without a lookup of its own.
TEST_F(GitPinnedCheckoutTest, GitConnectsToThePinnedAddress) {
  RecordingHttpListener listener(kNotFound);
  TableResolver resolver{"kiln-pinned.invalid", {Ip("127.0.0.1")}};
  const std::string uri = "http://kiln-pinned.invalid:" + std::to_string(listener.port()) + "/repo.git";
  auto commit = Checkout(uri, Allowing("127.0.0.1/32"), resolver);
  EXPECT_EQ(commit.status().code(), StatusCode::kNotFound) << commit.status().ToString();
  const std::vector<std::string> requests = listener.requests();
  ASSERT_FALSE(requests.empty()) << commit.status().ToString();
  EXPECT_EQ(requests.front(), "GET /repo.git/info/refs?service=git-upload-pack HTTP/1.1");
}

TEST_F(GitPinnedCheckoutTest, GitDoesNotFollowARedirectToAnotherAddress) {
  RecordingHttpListener target(kNotFound);
  RecordingHttpListener redirector("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:" + std::to_string(target.port()) +
                                   "/repo.git/info/refs?service=git-upload-pack\r\nContent-Length: 0\r\n"
                                   "Connection: close\r\n\r\n");
  TableResolver resolver{"kiln-pinned.invalid", {Ip("127.0.0.1")}};
  const std::string uri = "http://kiln-pinned.invalid:" + std::to_string(redirector.port()) + "/repo.git";
  auto commit = Checkout(uri, Allowing("127.0.0.1/32"), resolver);
  EXPECT_FALSE(commit.ok());
  EXPECT_EQ(redirector.requests().size(), 1u);
  EXPECT_TRUE(target.requests().empty());
}

TEST_F(GitPinnedCheckoutTest, BlockedDestinationIsRefusedBeforeGitRuns) {
  RecordingHttpListener listener(kNotFound);
  TableResolver resolver{"kiln-pinned.invalid", {Ip("127.0.0.1")}};
  const std::string uri = "http://kiln-pinned.invalid:" + std::to_string(listener.port()) + "/repo.git";
  auto commit = Checkout(uri, Allowing("127.0.0.2/32"), resolver);
  EXPECT_EQ(commit.status().code(), StatusCode::kPermissionDenied) << commit.status().ToString();
  EXPECT_TRUE(listener.requests().empty());
}

}  // namespace
}  // namespace kiln
