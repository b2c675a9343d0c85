// A ByteStream Read passed through to another server of the farm: the request goes there as
// it came, and every ReadResponse that comes back goes to the client as it is (raw bytes,
// never parsed), one at a time, so that a slow client slows the upstream read instead of
// filling this server's memory. Cancellation travels upstream; the upstream's status comes
// back, its message saying which server it came from. Used for live log streams held by
// another frontend (server/logstream_relay.h).
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace kiln {

class RelayedReadReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  // Starts the upstream call on `channel` at once. `upstream_name` is for messages.
  RelayedReadReactor(const grpc::CallbackServerContext& context, const std::shared_ptr<grpc::Channel>& channel,
                     const grpc::ByteBuffer& request, std::string upstream_name);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // The upstream half: a generic call (the method's wire format is the same for a
  // server-streaming call made as a bidirectional one), owned by the reactor above, which
  // finishes (and so is deleted) only after this half's OnDone.
  class Upstream final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit Upstream(RelayedReadReactor* relay) : relay_(relay) {}
    void OnReadDone(bool ok) override;
    void OnDone(const grpc::Status& status) override;

   private:
    RelayedReadReactor* relay_;
  };

  void Received(bool ok);
  void UpstreamDone(const grpc::Status& status);

  const std::string upstream_name_;
  grpc::ClientContext upstream_context_;
  grpc::GenericStub stub_;
  Upstream upstream_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;  // Read into from upstream, then written to the client.
};

}  // namespace kiln
