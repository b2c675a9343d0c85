#include "bench/bench_target.h"

namespace kiln {

BenchTarget::BenchTarget(std::shared_ptr<const ClientChannelFactory> channels, std::string instance_name,
                         int connections)
    : channels_(std::move(channels)), instance_name_(std::move(instance_name)) {
  for (int i = 0; i < connections; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_CHANNEL_ID, i);
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    Connection connection;
    connection.channel = channels_->NewChannel(args);
    connection.cas = reapi::ContentAddressableStorage::NewStub(connection.channel);
    connection.action_cache = reapi::ActionCache::NewStub(connection.channel);
    connection.capabilities = reapi::Capabilities::NewStub(connection.channel);
    connection.execution = reapi::Execution::NewStub(connection.channel);
    connection.bytestream = google::bytestream::ByteStream::NewStub(connection.channel);
    connection.generic = std::make_unique<grpc::GenericStub>(connection.channel);
    connections_.push_back(std::move(connection));
  }
}

Status BenchTarget::Connect(Duration timeout) {
  const auto deadline =
      std::chrono::system_clock::now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(timeout);
  for (Connection& connection : connections_) {
    if (!connection.channel->WaitForConnected(deadline)) {
      return Status::Unavailable("cannot connect to " + address() + " (is a REAPI server listening there?)");
    }
  }
  return Status::Ok();
}

}  // namespace kiln
