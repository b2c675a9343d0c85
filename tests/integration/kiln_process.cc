#include "kiln_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace kiln_test {
namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Connects `channel` before a test uses it (bounded). gRPC 1.51's client occasionally
// reports an in-progress connect() as failed under load (it reads errno after other calls
// in grpc_tcp_client_create_from_prepared_fd; seen as "connect: No such file or directory"),
// and RPCs on a channel in TRANSIENT_FAILURE fail fast. Waiting here lets gRPC's own
// reconnect recover, as any real client would; a server that does not accept connections
// still fails the test, just at its first RPC.
std::shared_ptr<grpc::Channel> Connected(std::shared_ptr<grpc::Channel> channel) {
  channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return channel;
}

grpc::ChannelArguments BaseChannelArguments() {
  grpc::ChannelArguments args;
  // Batch responses may legitimately approach max_batch_total_size_bytes plus framing.
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  return args;
}

}  // namespace

TempDir::TempDir() {
  char pattern[] = "/tmp/kiln-integration-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code error;
  std::filesystem::remove_all(path_, error);
}

std::unique_ptr<KilnProcess> KilnProcess::Start(const std::string& data_dir, const std::vector<std::string>& extra_flags,
                                                std::string* error) {
  std::vector<std::string> args = {KILN_BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  // Everything the child needs is prepared before fork: after fork only async-signal-safe calls.
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    *error = "pipe2 failed";
    return nullptr;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    *error = "fork failed";
    return nullptr;
  }
  if (pid == 0) {
    // Child: stdout to the pipe, stderr inherited (server diagnostics land in the test log).
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    // Die with the test process, so a crashed test never leaves a server behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);

  std::unique_ptr<KilnProcess> process(new KilnProcess());
  process->pid_ = pid;
  process->stdout_fd_ = pipe_fds[0];
  if (!process->ReadStdoutUntil("\n", 20'000)) {
    *error = "kiln did not print its serving line within 20 s; stdout so far: \"" + process->stdout_text_ + "\"";
    return nullptr;  // The destructor kills and reaps it.
  }
  const std::string marker = "kiln: serving on 127.0.0.1:";
  const size_t at = process->stdout_text_.find(marker);
  if (at == std::string::npos) {
    *error = "unexpected first line from kiln: \"" + process->stdout_text_ + "\"";
    return nullptr;
  }
  process->port_ = std::atoi(process->stdout_text_.c_str() + at + marker.size());
  if (process->port_ <= 0) {
    *error = "no port in \"" + process->stdout_text_ + "\"";
    return nullptr;
  }
  process->channel_ = Connected(grpc::CreateCustomChannel(process->address(), grpc::InsecureChannelCredentials(),
                                                          BaseChannelArguments()));
  process->cas_ = reapi::ContentAddressableStorage::NewStub(process->channel_);
  process->bytestream_ = google::bytestream::ByteStream::NewStub(process->channel_);
  process->action_cache_ = reapi::ActionCache::NewStub(process->channel_);
  process->capabilities_ = reapi::Capabilities::NewStub(process->channel_);
  return process;
}

KilnProcess::~KilnProcess() {
  if (pid_ > 0) Kill9();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

std::shared_ptr<grpc::Channel> KilnProcess::NewChannel() const {
  grpc::ChannelArguments args = BaseChannelArguments();
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return Connected(grpc::CreateCustomChannel(address(), grpc::InsecureChannelCredentials(), args));
}

void KilnProcess::CloseChannel() {
  cas_.reset();
  bytestream_.reset();
  action_cache_.reset();
  capabilities_.reset();
  channel_.reset();
}

bool KilnProcess::ReadStdoutUntil(const std::string& pattern, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (stdout_text_.find(pattern) == std::string::npos) {
    if (stdout_fd_ < 0) return false;
    pollfd fd{stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, RemainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;  // Timeout or poll error.
    char buffer[4096];
    const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // EOF: the process closed stdout (exited).
      ::close(stdout_fd_);
      stdout_fd_ = -1;
      return stdout_text_.find(pattern) != std::string::npos;
    }
    stdout_text_.append(buffer, static_cast<size_t>(n));
  }
  return true;
}

bool KilnProcess::WaitForExit(int timeout_ms) {
  if (pid_ <= 0) return true;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int status = 0;
    const pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      return true;
    }
    if (reaped < 0 && errno != EINTR) {  // Not our child any more; nothing to reap.
      pid_ = -1;
      return true;
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool KilnProcess::running() { return pid_ > 0 && !WaitForExit(0); }

int KilnProcess::Stop(int signal) {
  if (pid_ <= 0) return exit_code_;
  ::kill(pid_, signal);
  if (!WaitForExit(30'000)) {
    ::kill(pid_, SIGKILL);
    WaitForExit(30'000);
    exit_code_ = -1;
  }
  ReadStdoutUntil("\x01never\x01", 2'000);  // Drain to EOF.
  return exit_code_;
}

void KilnProcess::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  WaitForExit(30'000);
  ReadStdoutUntil("\x01never\x01", 2'000);
}

}  // namespace kiln_test
