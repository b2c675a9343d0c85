// Every gRPC channel a kiln client opens to a server goes through here: plaintext or TLS by
// the target's scheme (client/client_connection_options.h), a client certificate for mutual
// TLS, and a bearer token on every call. Callers keep their own channel arguments (message
// sizes, keepalive, one connection per channel).
//
// TLS files are watched by gRPC (re-read every few seconds, used by new connections), so a
// long-running worker picks up a renewed client certificate when it next connects (replace
// key and certificate at once, as for the server: server/server_tls.h).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "client/bearer_token_file.h"
#include "client/client_connection_options.h"
#include "common/status.h"

namespace kiln {

class ClientChannelFactory {
 public:
  // Checks the options (CheckClientConnectionOptions) and reads the token file once.
  static StatusOr<std::shared_ptr<const ClientChannelFactory>> Create(const ClientConnectionOptions& options);

  // A new channel to the target. Thread-safe.
  std::shared_ptr<grpc::Channel> NewChannel(const grpc::ChannelArguments& args) const;
  std::shared_ptr<grpc::Channel> NewChannel() const { return NewChannel(grpc::ChannelArguments()); }

  const ClientConnectionOptions& options() const { return options_; }
  // The target as given (with its scheme), for messages.
  const std::string& target() const { return options_.target; }

 private:
  ClientChannelFactory() = default;

  ClientConnectionOptions options_;
  ClientTarget parsed_;
  // Shared by all channels: one file watcher for the TLS files, one token file.
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::shared_ptr<BearerTokenFile> token_;  // Null without a token file.
};

}  // namespace kiln
