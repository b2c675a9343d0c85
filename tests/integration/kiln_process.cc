#include "kiln_process.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace kiln_test {
namespace {

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
  return StartWith({KILN_BINARY}, data_dir, extra_flags, error);
}

std::unique_ptr<KilnProcess> KilnProcess::StartWithoutChannel(const std::string& data_dir,
                                                              const std::vector<std::string>& extra_flags,
                                                              std::string* error) {
  return Spawn({KILN_BINARY}, data_dir, extra_flags, error);
}

std::unique_ptr<KilnProcess> KilnProcess::StartWith(const std::vector<std::string>& launcher, const std::string& data_dir,
                                                    const std::vector<std::string>& extra_flags, std::string* error) {
  std::unique_ptr<KilnProcess> process = Spawn(launcher, data_dir, extra_flags, error);
  if (!process) return nullptr;
  process->channel_ = Connected(grpc::CreateCustomChannel(process->address(), grpc::InsecureChannelCredentials(),
                                                          BaseChannelArguments()));
  process->cas_ = reapi::ContentAddressableStorage::NewStub(process->channel_);
  process->bytestream_ = google::bytestream::ByteStream::NewStub(process->channel_);
  process->action_cache_ = reapi::ActionCache::NewStub(process->channel_);
  process->capabilities_ = reapi::Capabilities::NewStub(process->channel_);
  return process;
}

std::unique_ptr<KilnProcess> KilnProcess::Spawn(const std::vector<std::string>& launcher, const std::string& data_dir,
                                                const std::vector<std::string>& extra_flags, std::string* error) {
  std::vector<std::string> args = launcher;
  // An ephemeral HTTP port: many servers run side by side, and the default 8981 is one port.
  args.insert(args.end(), {"serve", "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--data-dir", data_dir});
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  std::unique_ptr<KilnProcess> process(new KilnProcess());
  process->child_ = ChildProcess::Spawn(std::move(args), error);
  if (!process->child_) return nullptr;
  if (!process->child_->ReadStdoutUntil("\n", 20'000)) {
    *error = "kiln did not print its serving line within 20 s; stdout so far: \"" + process->stdout_text() + "\"";
    return nullptr;  // The child's destructor kills and reaps it.
  }
  const std::string marker = "kiln: serving on 127.0.0.1:";
  const size_t at = process->stdout_text().find(marker);
  if (at == std::string::npos) {
    *error = "unexpected first line from kiln: \"" + process->stdout_text() + "\"";
    return nullptr;
  }
  process->port_ = std::atoi(process->stdout_text().c_str() + at + marker.size());
  if (process->port_ <= 0) {
    *error = "no port in \"" + process->stdout_text() + "\"";
    return nullptr;
  }
  const std::string http_marker = "HTTP on 127.0.0.1:";
  if (const size_t http_at = process->stdout_text().find(http_marker); http_at != std::string::npos) {
    process->http_port_ = std::atoi(process->stdout_text().c_str() + http_at + http_marker.size());
  }
  return process;
}

KilnProcess::~KilnProcess() = default;

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

}  // namespace kiln_test
