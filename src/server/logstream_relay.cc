#include "server/logstream_relay.h"

#include "client/farm_channel.h"
#include "client/remote_blob_rpc.h"
#include "google/bytestream/bytestream.grpc.pb.h"
#include "server/grpc_status.h"
#include "server/relayed_read_reactor.h"

namespace kiln {
namespace {

constexpr size_t kMaxChannels = 64;
// How long a poll waits for the holder's output: long enough to catch what a busy action
// prints between polls, short enough that a page's poll (one HTTP thread) comes back soon.
constexpr auto kSliceWait = std::chrono::milliseconds(700);

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

StatusOr<RemoteLogSlice> LogStreamRelay::ReadSlice(const std::string& read_name, int64_t offset, int64_t max_bytes) {
  auto target = peers_->HolderTarget(read_name);
  if (!target.ok()) return target.status();
  auto channel = ChannelTo(*target);
  if (!channel.ok()) return channel.status();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kSliceWait);
  google::bytestream::ReadRequest request;
  request.set_resource_name(read_name);
  request.set_read_offset(offset);
  request.set_read_limit(max_bytes);
  auto reader = google::bytestream::ByteStream::NewStub(*channel)->Read(&context, request);
  RemoteLogSlice slice;
  google::bytestream::ReadResponse response;
  while (reader->Read(&response)) slice.data += response.data();
  const grpc::Status status = reader->Finish();
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      // The holder ends a read at the limit or at the end of a finished stream; a read that
      // stopped short of the limit reached the end.
      slice.finished = static_cast<int64_t>(slice.data.size()) < max_bytes;
      return slice;
    case grpc::StatusCode::DEADLINE_EXCEEDED:  // Still running: what came so far.
      return slice;
    case grpc::StatusCode::OUT_OF_RANGE:  // Past the end of a finished stream.
      slice.finished = true;
      return slice;
    default:
      return FromGrpcStatus(status, "reading log stream " + read_name + " from frontend " + *target);
  }
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
