#include "bench/machine_limits.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "bench/latency_histogram.h"
#include "common/file_util.h"
#include "common/hasher.h"

extern char** environ;

namespace kiln {
namespace {

constexpr size_t kBufferBytes = size_t{1} << 20;

double MbPerSecond(int64_t bytes, Duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0;
}

Status ErrnoStatus(const char* what) { return Status::Internal(std::string(what) + ": " + std::strerror(errno)); }

// A listening socket on 127.0.0.1 with a kernel-chosen port.
StatusOr<UniqueFd> ListenOnLoopback(sockaddr_in* address) {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) return ErrnoStatus("socket");
  *address = {};
  address->sin_family = AF_INET;
  address->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(*address);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(address), length) != 0) return ErrnoStatus("bind");
  if (::listen(listener.get(), 1) != 0) return ErrnoStatus("listen");
  if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(address), &length) != 0) {
    return ErrnoStatus("getsockname");
  }
  return listener;
}

}  // namespace

double MeasureSha256MbPerSecond(Duration duration) {
  const std::string buffer(kBufferBytes, 'k');
  const TimePoint start = SystemClock::Get()->Now();
  int64_t bytes = 0;
  TimePoint now = start;
  while (now - start < duration) {
    Hasher hasher(DigestFunction::kSha256, static_cast<int64_t>(buffer.size()));
    hasher.Update(buffer);
    (void)hasher.FinishHex();
    bytes += static_cast<int64_t>(buffer.size());
    now = SystemClock::Get()->Now();
  }
  return MbPerSecond(bytes, now - start);
}

StatusOr<double> MeasureLoopbackTcpMbPerSecond(Duration duration) {
  sockaddr_in address;
  auto listener = ListenOnLoopback(&address);
  if (!listener.ok()) return listener.status();
  UniqueFd sender(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sender.get() < 0) return ErrnoStatus("socket");
  if (::connect(sender.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return ErrnoStatus("connect");
  }
  UniqueFd receiver(::accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (receiver.get() < 0) return ErrnoStatus("accept");

  std::atomic<bool> stop{false};
  std::thread send_thread([&] {
    const std::vector<char> buffer(kBufferBytes, 'k');
    while (!stop.load(std::memory_order_relaxed)) {
      if (::send(sender.get(), buffer.data(), buffer.size(), MSG_NOSIGNAL) < 0 && errno != EINTR) break;
    }
    ::shutdown(sender.get(), SHUT_WR);
  });
  std::vector<char> buffer(kBufferBytes);
  const TimePoint start = SystemClock::Get()->Now();
  TimePoint now = start;
  int64_t bytes = 0;
  while (now - start < duration) {
    const ssize_t n = ::recv(receiver.get(), buffer.data(), buffer.size(), 0);
    if (n == 0 || (n < 0 && errno != EINTR)) break;
    if (n > 0) bytes += n;
    now = SystemClock::Get()->Now();
  }
  stop = true;
  // Drain until the sender's shutdown arrives, so its last send() cannot block forever.
  while (::recv(receiver.get(), buffer.data(), buffer.size(), 0) > 0) {
  }
  send_thread.join();
  if (bytes == 0) return Status::Internal("loopback TCP: nothing arrived");
  return MbPerSecond(bytes, now - start);
}

StatusOr<Duration> MeasureForkExecP50(const std::string& program, int runs) {
  LatencyHistogram histogram;
  for (int i = 0; i < runs; ++i) {
    char* argv[] = {const_cast<char*>(program.c_str()), nullptr};
    const TimePoint start = SystemClock::Get()->Now();
    pid_t pid = 0;
    if (const int error = ::posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv, environ); error != 0) {
      return Status::Internal("posix_spawn " + program + ": " + std::strerror(error));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) return ErrnoStatus("waitpid");
    }
    histogram.Record(SystemClock::Get()->Now() - start);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return Status::Internal(program + " did not exit 0");
    }
  }
  return histogram.Percentile(0.5);
}

StatusOr<MachineLimits> MeasureMachineLimits(Duration per_limit, const std::string& exec_program) {
  MachineLimits limits;
  limits.sha256_mb_per_s = MeasureSha256MbPerSecond(per_limit);
  auto tcp = MeasureLoopbackTcpMbPerSecond(per_limit);
  if (!tcp.ok()) return tcp.status();
  limits.loopback_tcp_mb_per_s = *tcp;
  auto spawn = MeasureForkExecP50(exec_program, 200);
  if (!spawn.ok()) return spawn.status();
  limits.fork_exec_p50 = *spawn;
  return limits;
}

}  // namespace kiln
