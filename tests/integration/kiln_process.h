// Runs the real kiln binary as a child process for integration tests: fork+exec of
// `kiln serve --listen 127.0.0.1:0 --data-dir DIR ...`, waits for its "serving on" line,
// and gives tests gRPC channels and stubs to it. The child is always reaped: Stop() sends
// a signal and waits, Kill9() simulates a crash, and the destructor SIGKILLs whatever is
// still running, so no test ever leaves a server behind.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "child_process.h"
#include "google/bytestream/bytestream.grpc.pb.h"

namespace kiln_test {

namespace reapi = build::bazel::remote::execution::v2;

// A fresh directory under /tmp, removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class KilnProcess {
 public:
  // Starts the server on a free 127.0.0.1 port with `data_dir` and extra flags, and waits
  // (at most 20 s) until it prints its "serving on" line. nullptr and *error on failure.
  static std::unique_ptr<KilnProcess> Start(const std::string& data_dir, const std::vector<std::string>& extra_flags,
                                            std::string* error);
  // The same, but started as `launcher` (a command ending in a kiln binary, e.g. setpriv's
  // command line for another user: unprivileged_kiln.h) instead of KILN_BINARY.
  static std::unique_ptr<KilnProcess> StartWith(const std::vector<std::string>& launcher, const std::string& data_dir,
                                                const std::vector<std::string>& extra_flags, std::string* error);
  // The same without the plaintext channel and stubs (channel() is null): for a server
  // that plaintext clients cannot talk to (--tls-cert); the test makes its own channels.
  static std::unique_ptr<KilnProcess> StartWithoutChannel(const std::string& data_dir,
                                                          const std::vector<std::string>& extra_flags,
                                                          std::string* error);
  ~KilnProcess();
  KilnProcess(const KilnProcess&) = delete;
  KilnProcess& operator=(const KilnProcess&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // The HTTP port (the harness asks for an ephemeral one); 0 with --http-listen off.
  int http_port() const { return http_port_; }
  pid_t pid() const { return child_->pid(); }
  // False once the process has exited (it is reaped then).
  bool running() { return child_->running(); }

  // A channel shared by the stubs below.
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  // A new channel with its own TCP connection (not shared through gRPC's subchannel pool).
  std::shared_ptr<grpc::Channel> NewChannel() const;

  reapi::ContentAddressableStorage::Stub& cas() { return *cas_; }
  google::bytestream::ByteStream::Stub& bytestream() { return *bytestream_; }
  reapi::ActionCache::Stub& action_cache() { return *action_cache_; }
  reapi::Capabilities::Stub& capabilities() { return *capabilities_; }

  // Drops the shared channel and stubs, closing the test's own connection, so a stop
  // exercises shutdown with no client attached. (kiln itself does not wait for idle
  // connections: it stops as soon as running calls are done.)
  void CloseChannel();

  // Sends `signal` and waits up to 30 s for exit. Returns the exit code, 128+N if the
  // process died of signal N, or -1 if it had to be SIGKILLed after the wait.
  int Stop(int signal = SIGTERM) { return child_->Stop(signal, 30'000); }
  // kill -9 and reap: a crash as the server sees it.
  void Kill9() { child_->Kill9(); }
  // What the server printed on stdout; complete once it has been stopped or killed.
  const std::string& stdout_text() const { return child_->stdout_text(); }

 private:
  KilnProcess() = default;
  static std::unique_ptr<KilnProcess> Spawn(const std::vector<std::string>& launcher, const std::string& data_dir,
                                            const std::vector<std::string>& extra_flags, std::string* error);
  std::unique_ptr<ChildProcess> child_;
  int port_ = 0;
  int http_port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<reapi::ContentAddressableStorage::Stub> cas_;
  std::unique_ptr<google::bytestream::ByteStream::Stub> bytestream_;
  std::unique_ptr<reapi::ActionCache::Stub> action_cache_;
  std::unique_ptr<reapi::Capabilities::Stub> capabilities_;
};

}  // namespace kiln_test
