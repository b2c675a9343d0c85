#include "server/logstream_relay.h"

#include "client/farm_channel.h"
#include "server/grpc_status.h"
#include "server/relayed_read_reactor.h"

namespace kiln {
namespace {

constexpr size_t kMaxChannels = 64;

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* LogStreamRelay::Read(const grpc::CallbackServerContext& context,
                                                                 const grpc::ByteBuffer& request,
                                                                 const std::string& read_name) {
  auto target = peers_->HolderTarget(read_name);
  if (!target.ok()) return new FinishedWriteReactor<grpc::ByteBuffer>(target.status());
  auto channel = ChannelTo(*target);
  if (!channel.ok()) return new FinishedWriteReactor<grpc::ByteBuffer>(channel.status());
  return new RelayedReadReactor(context, *channel, request, "frontend " + *target);
}

StatusOr<std::shared_ptr<grpc::Channel>> LogStreamRelay::ChannelTo(const std::string& target) {
  std::lock_guard lock(mutex_);
  if (auto it = channels_.find(target); it != channels_.end()) return it->second;
  ClientConnectionOptions options = peer_connection_;
  options.target = target;
  auto factory = ClientChannelFactory::Create(options);
  if (!factory.ok()) {
    return Status::Unavailable("cannot connect to frontend " + target + ", which holds the log stream: " +
                               factory.status().message());
  }
  if (channels_.size() >= kMaxChannels) channels_.erase(channels_.begin());
  return channels_[target] = NewFarmChannel(**factory);
}

}  // namespace kiln
