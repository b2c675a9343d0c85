// Pooled network namespaces: reused only when no TCP socket is left in them.
#include "worker/network_namespace_pool.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <thread>

namespace kiln {
namespace {

// The namespace's identity, as the kernel names it.
ino_t InodeOf(int ns_fd) {
  struct stat st {};
  return ::fstat(ns_fd, &st) == 0 ? st.st_ino : 0;
}

// Runs `body` on a thread that has joined the namespace (and then ends).
void InNamespace(int ns_fd, const std::function<void()>& body) {
  std::thread([&] {
    ASSERT_EQ(::setns(ns_fd, CLONE_NEWNET), 0) << std::strerror(errno);
    body();
  }).join();
}

// A loopback connection that the connecting side closes first, leaving it in TIME_WAIT.
void LeaveTimeWaitSocket() {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0) << std::strerror(errno);
  ASSERT_EQ(::listen(listener, 1), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0) << std::strerror(errno);
  int server = ::accept(listener, nullptr, nullptr);
  ::close(client);
  ::close(server);
  ::close(listener);
}

class NetworkNamespacePoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = NetworkNamespacePool::Create(/*max_idle=*/2);
    if (!pool.ok()) GTEST_SKIP() << pool.status().ToString();
    pool_ = std::move(pool).value();
  }
  std::unique_ptr<NetworkNamespacePool> pool_;
};

TEST_F(NetworkNamespacePoolTest, ReusesACleanNamespaceWithLoopbackUp) {
  ino_t first;
  {
    auto lease = pool_->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status().ToString();
    first = InodeOf(lease->fd());
    InNamespace(lease->fd(), [] {
      // `lo` is up: a UDP socket can be bound and send to itself.
      int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t length = sizeof(address);
      EXPECT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
      EXPECT_EQ(::getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length), 0);
      EXPECT_EQ(::sendto(sock, "x", 1, 0, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 1)
          << std::strerror(errno);
      ::close(sock);
    });
  }
  EXPECT_EQ(pool_->idle_count(), 1u);
  auto again = pool_->Acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(InodeOf(again->fd()), first);
}

TEST_F(NetworkNamespacePoolTest, DropsANamespaceWithASocketLeftInIt) {
  ino_t dirty;
  {
    auto lease = pool_->Acquire();
    ASSERT_TRUE(lease.ok());
    dirty = InodeOf(lease->fd());
    InNamespace(lease->fd(), LeaveTimeWaitSocket);
  }
  EXPECT_EQ(pool_->idle_count(), 0u);
  auto next = pool_->Acquire();
  ASSERT_TRUE(next.ok());
  EXPECT_NE(InodeOf(next->fd()), dirty);
}

TEST_F(NetworkNamespacePoolTest, ConcurrentLeasesAreDistinctNamespaces) {
  auto a = pool_->Acquire();
  auto b = pool_->Acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(InodeOf(a->fd()), InodeOf(b->fd()));
}

TEST_F(NetworkNamespacePoolTest, CountsTcpSocketsInTheNamespaceOnly) {
  auto lease = pool_->Acquire();
  ASSERT_TRUE(lease.ok());
  // A socket in this (the test's) namespace is not in the pooled one.
  int outside = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(outside, 0);
  ASSERT_EQ(::listen(outside, 1), 0);
  InNamespace(lease->fd(), [] {
    auto counters = SocketCounters::OpenForThisThread();
    ASSERT_TRUE(counters.ok()) << counters.status().ToString();
    EXPECT_EQ(counters->TcpSockets().value(), 0u);
    int inside6 = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::listen(inside6, 1), 0);
    EXPECT_EQ(counters->TcpSockets().value(), 1u);
    int inside4 = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::listen(inside4, 1), 0);
    EXPECT_EQ(counters->TcpSockets().value(), 2u);
    ::close(inside6);
    ::close(inside4);
    EXPECT_EQ(counters->TcpSockets().value(), 0u);
    LeaveTimeWaitSocket();
    EXPECT_GE(counters->TcpSockets().value(), 1u);  // At least the one in TIME_WAIT.
  });
  ::close(outside);
}

}  // namespace
}  // namespace kiln
