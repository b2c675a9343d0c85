// Reads of live log streams that another frontend of the farm holds: finds that frontend
// (logstream/log_stream_peers.h) and relays the read to it (server/relayed_read_reactor.h),
// over one channel per frontend, authenticated with this frontend's own peer credentials
// (kiln serve --peer-tls-ca, --peer-tls-cert/key, --peer-token-file): the client was
// authorized here, and the holder authorizes this frontend. The web UI's log endpoint reads
// through it too (ReadSlice).
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "client/client_channel.h"
#include "client/client_connection_options.h"
#include "logstream/log_stream_peers.h"
#include "logstream/remote_log_reader.h"

namespace kiln {

class LogStreamRelay final : public RemoteLogReader {
 public:
  // `peer_connection`: everything but the target, which comes from the directory.
  LogStreamRelay(const LogStreamPeers* peers, ClientConnectionOptions peer_connection)
      : peers_(peers), peer_connection_(std::move(peer_connection)) {}

  // The reactor for a read of `read_name`, which this frontend does not hold: relayed to
  // the frontend that does, or failed (NOT_FOUND when no frontend holds it, UNAVAILABLE when
  // the directory cannot be asked).
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Read(const grpc::CallbackServerContext& context,
                                                   const grpc::ByteBuffer& request, const std::string& read_name);

  // For the web UI's polls: one ByteStream Read of the holder with read_limit `max_bytes`
  // and a short deadline; what arrived before it is the slice.
  StatusOr<RemoteLogSlice> ReadSlice(const std::string& read_name, int64_t offset, int64_t max_bytes) override;

 private:
  StatusOr<std::shared_ptr<grpc::Channel>> ChannelTo(const std::string& target);

  const LogStreamPeers* const peers_;
  const ClientConnectionOptions peer_connection_;
  std::mutex mutex_;
  // By target. A farm has a handful of frontends, and the directory expires the ones that
  // left; beyond 64 targets, one is forgotten for each new one.
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

}  // namespace kiln
