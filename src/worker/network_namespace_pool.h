// Network namespaces for sandboxes, reused for as long as actions leave them clean.
//
// A fresh network namespace per action cost about 0.65 ms of CPU on the reference machine
// (creating it, the kernel's deferred cleanup, bringing `lo` up, RCU grace periods): a
// third of the whole sandbox, and more than kiln's own work for a trivial action.
//
// A pooled namespace is what a fresh one is: only `lo`, up, and no sockets. It goes back to
// the pool after an action only if no TCP socket is left in it: connections in TIME_WAIT
// outlive their processes, and would make the next action's bind() of that port fail.
// Nothing else can be left: the sandboxed command has no capabilities (so it cannot touch
// interfaces, routes, firewall or sysctls), and every other kind of socket closes when the
// sandbox's processes, all killed with its pid namespace, are gone.
//
// Joining a namespace takes CAP_SYS_ADMIN over the user namespace that owns it, so the pool
// works only for a server with that capability (root). Create() says when it cannot; the
// sandbox then makes a namespace per action, as before.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"

namespace kiln {

// The per-namespace socket counters of /proc/net/sockstat and sockstat6, opened while in
// the namespace: a proc file shows the namespace of whoever opened it, for good. (A
// sock_diag dump would also do, but walks the kernel's TCP hash table, which all
// namespaces share: a sixth of all the CPU time of trivial actions.)
struct SocketCounters {
  UniqueFd ipv4;
  UniqueFd ipv6;

  // Opens the calling thread's namespace's counters.
  static StatusOr<SocketCounters> OpenForThisThread();
  // TCP sockets in use (listening, connected, closing) plus those in TIME_WAIT, IPv4 and
  // IPv6 together.
  StatusOr<size_t> TcpSockets() const;
};

class NetworkNamespacePool {
 public:
  // One namespace: a descriptor to join it by, and its /proc/net/sockstat{,6} files.
  struct Namespace {
    UniqueFd ns;
    SocketCounters sockets;
  };

  // A namespace on loan to one sandbox; returned (if clean) when destroyed.
  class Lease {
   public:
    Lease(NetworkNamespacePool* pool, Namespace ns) : pool_(pool), ns_(std::move(ns)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    // For setns(fd, CLONE_NEWNET).
    int fd() const { return ns_.ns.get(); }

   private:
    NetworkNamespacePool* pool_;
    Namespace ns_;
  };

  // FAILED_PRECONDITION if this server may not create and join network namespaces.
  static StatusOr<std::unique_ptr<NetworkNamespacePool>> Create(size_t max_idle = 64);

  // A clean namespace: an idle one, or a new one.
  StatusOr<Lease> Acquire();

  size_t idle_count();

 private:
  explicit NetworkNamespacePool(size_t max_idle) : max_idle_(max_idle) {}
  void Return(Namespace ns);

  const size_t max_idle_;
  std::mutex mutex_;
  std::vector<Namespace> idle_;
};

}  // namespace kiln
