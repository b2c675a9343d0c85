#include "bench/responsiveness_probe.h"

#include "bench/scenario.h"

namespace kiln {
namespace {

namespace reapi = build::bazel::remote::execution::v2;

constexpr auto kInterval = std::chrono::milliseconds(20);
constexpr auto kCallDeadline = std::chrono::seconds(5);

// A channel of its own: its own TCP connection, not shared through gRPC's subchannel pool.
std::shared_ptr<grpc::Channel> NewConnection(const ClientChannelFactory& channels) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return channels.NewChannel(args);
}

grpc::Status GetCapabilities(const std::shared_ptr<grpc::Channel>& channel, const std::string& instance_name,
                             Duration timeout) {
  auto stub = reapi::Capabilities::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  context.set_wait_for_ready(true);  // A connection still being set up is part of the wait.
  reapi::GetCapabilitiesRequest request;
  request.set_instance_name(instance_name);
  reapi::ServerCapabilities response;
  return stub->GetCapabilities(&context, request, &response);
}

}  // namespace

ResponsivenessProbe::ResponsivenessProbe(std::shared_ptr<const ClientChannelFactory> channels, std::string instance_name)
    : channels_(std::move(channels)), instance_name_(std::move(instance_name)), kept_(NewConnection(*channels_)) {}

ResponsivenessProbe::~ResponsivenessProbe() {
  if (thread_.joinable()) Stop();
}

void ResponsivenessProbe::Start() { thread_ = std::thread(&ResponsivenessProbe::Loop, this); }

ProbeResult ResponsivenessProbe::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  return result_;
}

void ResponsivenessProbe::Loop() {
  bool new_connection = false;
  while (!stop_.load()) {
    const auto next = std::chrono::steady_clock::now() + kInterval;
    ProbeOnce(new_connection);
    new_connection = !new_connection;
    std::this_thread::sleep_until(next);
  }
}

void ResponsivenessProbe::ProbeOnce(bool new_connection) {
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status = GetCapabilities(new_connection ? NewConnection(*channels_) : kept_, instance_name_, kCallDeadline);
  const Duration took = std::chrono::steady_clock::now() - start;
  std::lock_guard lock(mutex_);
  ++result_.calls;
  result_.slowest = std::max(result_.slowest, took);
  if (status.ok()) {
    result_.latency.Record(took);
    return;
  }
  ++result_.failures;
  if (result_.first_failure.empty()) {
    result_.first_failure = (new_connection ? "on a new connection: " : "") + OpResult::FromStatus(status).error;
  }
}

bool ResponsivenessProbe::AnswersWithin(const ClientChannelFactory& channels, const std::string& instance_name,
                                        Duration timeout) {
  return GetCapabilities(NewConnection(channels), instance_name, timeout).ok();
}

}  // namespace kiln
