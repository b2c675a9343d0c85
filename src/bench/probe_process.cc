#include "bench/probe_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <sstream>
#include <vector>

extern char** environ;

namespace kiln {
namespace {

int64_t Nanoseconds(Duration duration) { return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count(); }

std::string ReadAll(int fd) {
  std::string text;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) text.append(buffer, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  return text;
}

}  // namespace

ProbeSummary Summarize(const ProbeResult& result) {
  ProbeSummary summary;
  summary.calls = result.calls;
  summary.failures = result.failures;
  summary.p50 = result.latency.Percentile(0.5);
  summary.p99 = result.latency.Percentile(0.99);
  summary.slowest = result.slowest;
  summary.first_failure = result.first_failure;
  return summary;
}

std::string FormatProbeSummary(const ProbeSummary& summary) {
  std::string failure = summary.first_failure;
  for (char& c : failure) {
    if (c == '\n') c = ' ';
  }
  std::ostringstream out;
  out << summary.calls << " " << summary.failures << " " << Nanoseconds(summary.p50) << " " << Nanoseconds(summary.p99)
      << " " << Nanoseconds(summary.slowest) << "\n"
      << failure << "\n";
  return out.str();
}

StatusOr<ProbeSummary> ParseProbeSummary(const std::string& text) {
  const size_t newline = text.find('\n');
  if (newline == std::string::npos) return Status::Internal("the probe's summary is incomplete: \"" + text + "\"");
  std::istringstream numbers(text.substr(0, newline));
  ProbeSummary summary;
  int64_t p50 = 0, p99 = 0, slowest = 0;
  if (!(numbers >> summary.calls >> summary.failures >> p50 >> p99 >> slowest)) {
    return Status::Internal("the probe's summary is not five numbers: \"" + text.substr(0, newline) + "\"");
  }
  summary.p50 = std::chrono::nanoseconds(p50);
  summary.p99 = std::chrono::nanoseconds(p99);
  summary.slowest = std::chrono::nanoseconds(slowest);
  summary.first_failure = text.substr(newline + 1);
  if (!summary.first_failure.empty() && summary.first_failure.back() == '\n') summary.first_failure.pop_back();
  return summary;
}

ProbeProcess::~ProbeProcess() {
  if (to_child_ >= 0) ::close(to_child_);
  if (from_child_ >= 0) ::close(from_child_);
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

Status ProbeProcess::Start(const ClientConnectionOptions& connection, const std::string& instance_name) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::vector<std::string> args = {"kiln", "attack-probe", connection.target, instance_name};
  for (std::string& arg : ClientConnectionFlagArgs(connection)) args.push_back(std::move(arg));
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int error = ::posix_spawn(&pid_, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  to_child_ = in[1];
  from_child_ = out[0];
  if (error != 0) {
    pid_ = -1;
    return Status::Internal(std::string("starting the probe process: ") + std::strerror(error));
  }
  return Status::Ok();
}

StatusOr<ProbeSummary> ProbeProcess::Stop() {
  if (pid_ <= 0) return Status::Internal("the probe process was not started");
  ::close(to_child_);  // EOF: the child stops probing and prints its summary.
  to_child_ = -1;
  const std::string text = ReadAll(from_child_);
  ::close(from_child_);
  from_child_ = -1;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Internal("the probe process failed (wait status " + std::to_string(status) + ")");
  }
  return ParseProbeSummary(text);
}

int RunProbeChild(const ClientConnectionOptions& connection, const std::string& instance_name) {
  auto channels = ClientChannelFactory::Create(connection);
  if (!channels.ok()) {
    std::cerr << "kiln attack-probe: " << channels.status().message() << "\n";
    return 1;
  }
  ResponsivenessProbe probe(*channels, instance_name);
  probe.Start();
  char byte;
  while (true) {  // The parent never writes: this waits for EOF.
    const ssize_t n = ::read(STDIN_FILENO, &byte, 1);
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  std::cout << FormatProbeSummary(Summarize(probe.Stop())) << std::flush;
  return 0;
}

}  // namespace kiln
