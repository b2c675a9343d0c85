#include "worker/network_namespace_pool.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <initializer_list>
#include <string_view>
#include <thread>

#include "worker/loopback.h"

namespace kiln {
namespace {

// Runs on a thread of its own, which ends with it: a thread that moved into another
// network namespace must never serve anything else.
StatusOr<NetworkNamespacePool::Namespace> CreateOnThisThread() {
  if (::unshare(CLONE_NEWNET) != 0) return ErrnoStatus("unshare", "a network namespace", errno);
  NetworkNamespacePool::Namespace created;
  created.ns = UniqueFd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!created.ns.valid()) return ErrnoStatus("open", "/proc/thread-self/ns/net", errno);
  if (BringUpLoopback() != 0) return ErrnoStatus("bring up", "lo", errno);
  auto sockets = SocketCounters::OpenForThisThread();
  if (!sockets.ok()) return sockets.status();
  created.sockets = std::move(sockets).value();
  return created;
}

StatusOr<NetworkNamespacePool::Namespace> CreateNamespace() {
  StatusOr<NetworkNamespacePool::Namespace> created = Status::Internal("not run");
  std::thread([&] { created = CreateOnThisThread(); }).join();
  return created;
}

bool IsClean(const NetworkNamespacePool::Namespace& ns) {
  auto sockets = ns.sockets.TcpSockets();
  return sockets.ok() && *sockets == 0;
}

// The counts after `keys` on the line of `fd` (a sockstat file) that starts with `label`,
// summed: "TCP: inuse 1 orphan 0 tw 14 alloc 2 mem 80".
StatusOr<size_t> SumCounts(int fd, std::string_view label, std::initializer_list<std::string_view> keys) {
  char buffer[2048];
  const ssize_t n = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (n < 0) return ErrnoStatus("read", "sockstat", errno);
  buffer[n] = '\0';
  std::string_view text(buffer, static_cast<size_t>(n));
  while (!text.empty() && text.substr(0, label.size()) != label) {
    const size_t next = text.find('\n');
    text = next == std::string_view::npos ? std::string_view() : text.substr(next + 1);
  }
  const std::string_view line = text.substr(0, text.find('\n'));
  if (line.empty()) return Status::Internal("sockstat has no " + std::string(label) + " line");
  size_t total = 0;
  for (std::string_view key : keys) {
    const size_t at = line.find(" " + std::string(key) + " ");
    if (at == std::string_view::npos) return Status::Internal("sockstat has no " + std::string(key) + " count");
    total += static_cast<size_t>(std::strtoull(line.data() + at + key.size() + 2, nullptr, 10));
  }
  return total;
}

}  // namespace

StatusOr<SocketCounters> SocketCounters::OpenForThisThread() {
  SocketCounters counters;
  counters.ipv4 = UniqueFd(::open("/proc/thread-self/net/sockstat", O_RDONLY | O_CLOEXEC));
  if (!counters.ipv4.valid()) return ErrnoStatus("open", "/proc/thread-self/net/sockstat", errno);
  counters.ipv6 = UniqueFd(::open("/proc/thread-self/net/sockstat6", O_RDONLY | O_CLOEXEC));
  // A kernel without IPv6 has no IPv6 sockets either.
  if (!counters.ipv6.valid() && errno != ENOENT) return ErrnoStatus("open", "/proc/thread-self/net/sockstat6", errno);
  return counters;
}

StatusOr<size_t> SocketCounters::TcpSockets() const {
  auto v4 = SumCounts(ipv4.get(), "TCP:", {"inuse", "tw"});  // TIME_WAIT of both families
  if (!v4.ok() || !ipv6.valid()) return v4;
  auto v6 = SumCounts(ipv6.get(), "TCP6:", {"inuse"});
  if (!v6.ok()) return v6.status();
  return *v4 + *v6;
}

NetworkNamespacePool::Lease::~Lease() {
  if (pool_ != nullptr && ns_.ns.valid()) pool_->Return(std::move(ns_));
}

StatusOr<std::unique_ptr<NetworkNamespacePool>> NetworkNamespacePool::Create(size_t max_idle) {
  std::unique_ptr<NetworkNamespacePool> pool(new NetworkNamespacePool(max_idle));
  // Proves on the spot that this server may make, watch and (below) join namespaces.
  auto first = CreateNamespace();
  if (!first.ok()) return Status::FailedPrecondition("cannot pool network namespaces: " + first.status().message());
  auto counted = first->sockets.TcpSockets();
  if (!counted.ok()) return Status::FailedPrecondition("cannot pool network namespaces: " + counted.status().message());
  Status joined = Status::Ok();
  std::thread([&] {
    if (::setns(first->ns.get(), CLONE_NEWNET) != 0) joined = ErrnoStatus("setns", "a pooled network namespace", errno);
  }).join();
  if (!joined.ok()) return Status::FailedPrecondition("cannot pool network namespaces: " + joined.message());
  pool->idle_.push_back(std::move(first).value());
  return pool;
}

StatusOr<NetworkNamespacePool::Lease> NetworkNamespacePool::Acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      Namespace ns = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(ns));
    }
  }
  auto created = CreateNamespace();
  if (!created.ok()) return created.status();
  return Lease(this, std::move(created).value());
}

void NetworkNamespacePool::Return(Namespace ns) {
  // A dirty namespace is dropped: the kernel destroys it once nothing refers to it.
  if (!IsClean(ns)) return;
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(ns));
}

size_t NetworkNamespacePool::idle_count() {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

}  // namespace kiln
