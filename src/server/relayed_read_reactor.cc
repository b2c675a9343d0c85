#include "server/relayed_read_reactor.h"

namespace kiln {

RelayedReadReactor::RelayedReadReactor(const grpc::CallbackServerContext& context,
                                       const std::shared_ptr<grpc::Channel>& channel, const grpc::ByteBuffer& request,
                                       std::string upstream_name)
    : upstream_name_(std::move(upstream_name)), stub_(channel), upstream_(this), request_(request) {
  // The client's deadline holds upstream too (none: as long as the stream lives).
  upstream_context_.set_deadline(context.deadline());
  stub_.PrepareBidiStreamingCall(&upstream_context_, "/google.bytestream.ByteStream/Read", grpc::StubOptions(),
                                 &upstream_);
  // Held until this relay will not read again, so that the upstream call cannot end (and
  // take its state with it) between a write to the client and the next read.
  upstream_.AddHold();
  upstream_.StartWriteLast(&request_, grpc::WriteOptions());
  upstream_.StartRead(&response_);
  upstream_.StartCall();
}

void RelayedReadReactor::Upstream::OnReadDone(bool ok) { relay_->Received(ok); }

void RelayedReadReactor::Upstream::OnDone(const grpc::Status& status) { relay_->UpstreamDone(status); }

// Reads and writes alternate (one message in flight), so these steps never overlap; only
// OnCancel may come at any time, and it only cancels upstream.
void RelayedReadReactor::Received(bool ok) {
  if (ok) return StartWrite(&response_);
  upstream_.RemoveHold();  // The upstream call is ending; its OnDone says how.
}

void RelayedReadReactor::OnWriteDone(bool ok) {
  if (ok) return upstream_.StartRead(&response_);
  // The client is gone: stop the upstream read, whose OnDone then finishes this call.
  upstream_context_.TryCancel();
  upstream_.RemoveHold();
}

void RelayedReadReactor::OnCancel() { upstream_context_.TryCancel(); }

// After the hold is removed, so no write to the client is outstanding.
void RelayedReadReactor::UpstreamDone(const grpc::Status& status) {
  if (status.ok()) return Finish(grpc::Status::OK);
  Finish(grpc::Status(status.error_code(), "from " + upstream_name_ + ", which holds it: " + status.error_message()));
}

// Finish is called from upstream's OnDone, so nothing of it is left running.
void RelayedReadReactor::OnDone() { delete this; }

}  // namespace kiln
