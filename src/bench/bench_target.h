// The REAPI server under load: several gRPC channels, each with its own TCP connection
// (distinct channel args and a local subchannel pool, or gRPC would share one), and the
// service stubs on each. Operations pick a connection by slot, so in-flight requests
// spread over all of them as a multi-connection client's would.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "client/client_channel.h"
#include "common/clock.h"
#include "common/status.h"
#include "google/bytestream/bytestream.grpc.pb.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

class BenchTarget {
 public:
  // REQUIRES: connections >= 1.
  BenchTarget(std::shared_ptr<const ClientChannelFactory> channels, std::string instance_name, int connections);

  // UNAVAILABLE naming the address if any connection is not up within `timeout`.
  Status Connect(Duration timeout);

  // The target as given (grpcs://..., HOST:PORT), and how to open more channels to it.
  const std::string& address() const { return channels_->target(); }
  const std::shared_ptr<const ClientChannelFactory>& channels() const { return channels_; }
  const std::string& instance_name() const { return instance_name_; }
  int connections() const { return static_cast<int>(connections_.size()); }

  // `slot` may be any non-negative number; it is mapped onto a connection.
  reapi::ContentAddressableStorage::Stub& cas(int slot) { return *at(slot).cas; }
  reapi::ActionCache::Stub& action_cache(int slot) { return *at(slot).action_cache; }
  reapi::Capabilities::Stub& capabilities(int slot) { return *at(slot).capabilities; }
  reapi::Execution::Stub& execution(int slot) { return *at(slot).execution; }
  google::bytestream::ByteStream::Stub& bytestream(int slot) { return *at(slot).bytestream; }
  // For calls that send hand-framed messages (bytestream_scenarios: uploads without copies).
  grpc::GenericStub& generic(int slot) { return *at(slot).generic; }
  // For services without a stub here (LogStream).
  const std::shared_ptr<grpc::Channel>& channel(int slot) { return at(slot).channel; }

 private:
  struct Connection {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<reapi::ContentAddressableStorage::Stub> cas;
    std::unique_ptr<reapi::ActionCache::Stub> action_cache;
    std::unique_ptr<reapi::Capabilities::Stub> capabilities;
    std::unique_ptr<reapi::Execution::Stub> execution;
    std::unique_ptr<google::bytestream::ByteStream::Stub> bytestream;
    std::unique_ptr<grpc::GenericStub> generic;
  };
  Connection& at(int slot) { return connections_[static_cast<size_t>(slot) % connections_.size()]; }

  std::shared_ptr<const ClientChannelFactory> channels_;
  std::string instance_name_;
  std::vector<Connection> connections_;
};

}  // namespace kiln
