#include "testing/redis_server_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace kiln::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// fork + exec with PR_SET_PDEATHSIG; stdout to `stdout_fd` (or /dev/null if -1), stderr too.
pid_t SpawnChild(const std::vector<std::string>& args, int stdout_fd) {
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  const int out = stdout_fd >= 0 ? stdout_fd : ::open("/dev/null", O_WRONLY);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(out, STDERR_FILENO);
  const int null_in = ::open("/dev/null", O_RDONLY);
  ::dup2(null_in, STDIN_FILENO);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

// Waits up to `timeout` for `pid` to exit; its wait status, or -1 if still running.
int WaitForExit(pid_t pid, Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) return 0;  // Not our child any more: treat as gone.
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(milliseconds(5));
  }
}

}  // namespace

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

StatusOr<std::string> RunProgram(const std::vector<std::string>& args, Duration timeout) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::Unavailable(std::string("pipe: ") + std::strerror(errno));
  const pid_t pid = SpawnChild(args, pipe_fds[1]);
  ::close(pipe_fds[1]);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    return Status::Unavailable(std::string("fork: ") + std::strerror(errno));
  }
  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd readable{pipe_fds[0], POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(left)) <= 0) continue;
    char buffer[4096];
    const ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (got > 0) output.append(buffer, static_cast<size_t>(got));
    if (got == 0 || (got < 0 && errno != EINTR)) break;
  }
  ::close(pipe_fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = WaitForExit(pid, seconds(5));
  if (status == -1) {
    ::kill(pid, SIGKILL);
    status = WaitForExit(pid, seconds(5));
  }
  if (timed_out) return Status::Unavailable(args[0] + " timed out; output: " + output);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Unavailable(args[0] + " failed (wait status " + std::to_string(status) + "): " + output);
  }
  return output;
}

StatusOr<std::unique_ptr<RedisServerProcess>> RedisServerProcess::Start(RedisServerOptions options) {
  if (::access(kBinary, X_OK) != 0) {
    return Status::FailedPrecondition(std::string(kBinary) +
                                      " is missing: the Redis tests need Debian's redis-server package, which "
                                      "`./dev.sh test` installs (or: apt-get install redis-server)");
  }
  std::unique_ptr<RedisServerProcess> server(new RedisServerProcess(std::move(options)));
  if (server->dir().empty()) return Status::Internal("cannot make a temporary directory");
  // The port was free a moment ago; if something took it meanwhile, try another.
  Status started;
  for (int attempt = 0; attempt < 3; ++attempt) {
    server->port_ = FreeLoopbackPort();
    server->cluster_bus_port_ = server->options_.cluster ? FreeLoopbackPort() : 0;
    started = server->Spawn();
    if (started.ok()) started = server->WaitUntilReady();
    if (started.ok()) return server;
    server->Kill();
  }
  return started;
}

RedisServerProcess::~RedisServerProcess() { Kill(); }

std::string RedisServerProcess::url() const {
  return std::string(options_.tls_cert_file.empty() ? "redis://" : "rediss://") + "127.0.0.1:" +
         std::to_string(port_);
}

std::vector<std::string> RedisServerProcess::Arguments() const {
  const std::string port = std::to_string(port_);
  std::vector<std::string> args = {kBinary, "--bind", "127.0.0.1", "--dir", dir(), "--save", "",
                                   "--logfile", dir() + "/redis.log", "--daemonize", "no",
                                   "--appendonly", options_.append_only ? "yes" : "no",
                                   "--enable-debug-command", "yes"};
  if (options_.tls_cert_file.empty()) {
    args.insert(args.end(), {"--port", port});
  } else {
    args.insert(args.end(), {"--port", "0", "--tls-port", port, "--tls-cert-file", options_.tls_cert_file,
                             "--tls-key-file", options_.tls_key_file, "--tls-ca-cert-file", options_.tls_ca_file,
                             "--tls-auth-clients", options_.tls_auth_clients ? "yes" : "no"});
  }
  if (!options_.password.empty()) args.insert(args.end(), {"--requirepass", options_.password});
  if (!options_.acl_user.empty()) {
    args.insert(args.end(), {"--user", options_.acl_user, "on", ">" + options_.acl_password, "~*", "&*", "+@all"});
  }
  if (options_.cluster) {
    args.insert(args.end(), {"--cluster-enabled", "yes", "--cluster-config-file", dir() + "/nodes.conf",
                             "--cluster-port", std::to_string(cluster_bus_port_), "--cluster-node-timeout",
                             std::to_string(options_.cluster_node_timeout_ms),
                             // Any replica may take over, however long since it last heard its master.
                             "--cluster-replica-validity-factor", "0",
                             // Replicas sync at once (the default waits 5 s for more replicas to come).
                             "--repl-diskless-sync-delay", "0"});
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  return args;
}

Status RedisServerProcess::Spawn() {
  pid_ = SpawnChild(Arguments(), -1);
  if (pid_ < 0) return Status::Unavailable(std::string("fork: ") + std::strerror(errno));
  return Status::Ok();
}

Status RedisServerProcess::WaitUntilReady() {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (true) {
    if (!running()) return Status::Unavailable("redis-server exited at startup; its log ends:\n" + LogTail());
    StatusOr<std::string> pong = Cli({"PING"});
    if (pong.ok() && pong->find("PONG") != std::string::npos) return Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("redis-server on port " + std::to_string(port_) +
                                 " did not answer PING within 10 s; its log ends:\n" + LogTail());
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
}

bool RedisServerProcess::running() {
  if (pid_ < 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
  pid_ = -1;
  return false;
}

void RedisServerProcess::Stop() {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  if (WaitForExit(pid_, seconds(10)) == -1) {
    ::kill(pid_, SIGKILL);
    WaitForExit(pid_, seconds(10));
  }
  pid_ = -1;
}

void RedisServerProcess::Kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  WaitForExit(pid_, seconds(10));
  pid_ = -1;
}

Status RedisServerProcess::Restart() {
  Stop();
  KILN_RETURN_IF_ERROR(Spawn());
  return WaitUntilReady();
}

StatusOr<std::string> RedisServerProcess::Cli(const std::vector<std::string>& args) const {
  std::vector<std::string> command = {"/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port_)};
  if (!options_.tls_cert_file.empty()) {
    command.insert(command.end(), {"--tls", "--cacert", options_.tls_ca_file});
    // The server's own pair serves as a client certificate when clients must show one.
    if (options_.tls_auth_clients) {
      command.insert(command.end(), {"--cert", options_.tls_cert_file, "--key", options_.tls_key_file});
    }
  }
  if (!options_.acl_user.empty()) {
    command.insert(command.end(), {"--user", options_.acl_user, "--pass", options_.acl_password, "--no-auth-warning"});
  } else if (!options_.password.empty()) {
    command.insert(command.end(), {"--pass", options_.password, "--no-auth-warning"});
  }
  command.insert(command.end(), args.begin(), args.end());
  return RunProgram(command, seconds(10));
}

std::string RedisServerProcess::LogTail() const {
  std::ifstream in(dir() + "/redis.log");
  std::stringstream text;
  text << in.rdbuf();
  const std::string log = text.str();
  return log.size() > 2000 ? log.substr(log.size() - 2000) : log;
}

}  // namespace kiln::testing
