// A real redis-server (Debian's /usr/bin/redis-server) for the Redis client's tests, so that
// they exercise the protocol, AUTH, TLS, blocking commands and crashes as a farm meets them
// rather than a fake's idea of them. Loopback only, a free port, its own directory, no RDB
// snapshots. The process never outlives the test: the destructor SIGKILLs it, and it gets
// SIGKILL if the test binary dies (PR_SET_PDEATHSIG; tied to the thread that started it, so
// start and restart servers from the test's main thread).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "redis/redis_address.h"
#include "testing/temp_dir.h"

namespace kiln::testing {

struct RedisServerOptions {
  bool append_only = false;
  std::string password;  // --requirepass: the default user's password.
  // An extra ACL user allowed everything, with this password.
  std::string acl_user;
  std::string acl_password;
  // TLS only (no plaintext port) when the certificate is set; all three files then.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_ca_file;
  bool tls_auth_clients = false;  // Require client certificates signed by tls_ca_file.
  bool cluster = false;           // cluster-enabled, with a short node timeout for quick failovers.
  int cluster_node_timeout_ms = 1000;
  std::vector<std::string> extra_args;  // More "--name", "value" pairs.
};

class RedisServerProcess {
 public:
  static constexpr const char* kBinary = "/usr/bin/redis-server";

  // Starts the server and waits (at most 10 s) until it answers PING. FAILED_PRECONDITION
  // saying how to install it if redis-server is missing; UNAVAILABLE with the end of its log
  // if it does not come up.
  static StatusOr<std::unique_ptr<RedisServerProcess>> Start(RedisServerOptions options = {});
  ~RedisServerProcess();
  RedisServerProcess(const RedisServerProcess&) = delete;
  RedisServerProcess& operator=(const RedisServerProcess&) = delete;

  int port() const { return port_; }
  redis::Endpoint endpoint() const { return {"127.0.0.1", port_}; }
  // "redis://127.0.0.1:PORT" or "rediss://...", without credentials.
  std::string url() const;
  const std::string& dir() const { return dir_.path(); }
  const RedisServerOptions& options() const { return options_; }
  bool running();

  // SIGTERM and wait for exit (SIGKILL after 10 s).
  void Stop();
  // SIGKILL: a crash.
  void Kill();
  // Starts it again, same port, directory and options, and waits until it answers PING.
  Status Restart();

  // Runs redis-cli against this server (with its TLS files and credentials) and returns what
  // it printed; UNAVAILABLE if it failed or took more than 10 s.
  StatusOr<std::string> Cli(const std::vector<std::string>& args) const;
  // The end of the server's log, for failure messages.
  std::string LogTail() const;

 private:
  explicit RedisServerProcess(RedisServerOptions options) : options_(std::move(options)) {}
  std::vector<std::string> Arguments() const;
  Status Spawn();
  Status WaitUntilReady();

  RedisServerOptions options_;
  TempDir dir_;
  int port_ = 0;
  int cluster_bus_port_ = 0;
  pid_t pid_ = -1;
};

// Runs a program (args[0], a path) with a time limit, its stdout captured, stderr appended.
// UNAVAILABLE if it cannot start, exits non-zero or runs over `timeout` (then killed).
StatusOr<std::string> RunProgram(const std::vector<std::string>& args, Duration timeout);

// A free TCP port on 127.0.0.1 (free now; another process could take it before it is used).
int FreeLoopbackPort();

}  // namespace kiln::testing
