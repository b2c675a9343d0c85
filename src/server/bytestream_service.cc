#include "server/bytestream_target.h"
#include "server/rpc_methods.h"
#include "server/bytestream_service.h"

#include "common/resource_name.h"
#include "server/bytestream_read_reactor.h"
#include "server/bytestream_write_reactor.h"
#include "logstream/logstream_name.h"
#include "server/grpc_status.h"
#include "server/logstream_read_reactor.h"
#include "server/logstream_service.h"
#include "server/resource_name_header.h"

namespace kiln {

// Read answers with hand-framed ReadResponses.
using Frame = grpc::ByteBuffer;

namespace {

// A Write refused before its first message is read.
class RefusedWriteReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  explicit RefusedWriteReactor(const Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<Frame>* ByteStreamService::Read(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request_bytes) {
  google::bytestream::ReadRequest request;
  grpc::ByteBuffer copy(*request_bytes);  // Deserializing consumes the buffer; it is gRPC's.
  if (!grpc::SerializationTraits<google::bytestream::ReadRequest>::Deserialize(&copy, &request).ok()) {
    return new FinishedWriteReactor<Frame>(Status::InvalidArgument("the ReadRequest message cannot be parsed"));
  }
  if (Status header = CheckResourceNameHeader(context->client_metadata(), request.resource_name()); !header.ok()) {
    return new FinishedWriteReactor<Frame>(header);
  }
  const ByteStreamTarget target = ByteStreamTargetOf(request.resource_name(), false, log_streams_ != nullptr);
  auto caller = authorizer_->Check(*context, rpc::kByteStreamRead, target.instance_name, target.is_log_stream);
  if (!caller.ok()) return new FinishedWriteReactor<Frame>(caller.status());
  if (log_streams_ && ParseLogStreamName(request.resource_name())) {
    if (relay_ && !log_streams_->IsOwnName(request.resource_name())) {
      return relay_->Read(*context, *request_bytes, request.resource_name());
    }
    return NewLogStreamReadReactor(*log_streams_, request);
  }
  return ReadBlob(request);
}

grpc::ServerWriteReactor<Frame>* ByteStreamService::ReadBlob(const google::bytestream::ReadRequest& request) {
  auto name = ParseReadResourceName(request.resource_name());
  if (!name.ok()) return new FinishedWriteReactor<Frame>(name.status());
  const Digest& digest = name->digest;
  if (request.read_offset() < 0 || request.read_offset() > digest.size()) {
    return new FinishedWriteReactor<Frame>(Status::OutOfRange(
        "read_offset " + std::to_string(request.read_offset()) + " is outside blob " + digest.ToString()));
  }
  if (request.read_limit() < 0) {
    return new FinishedWriteReactor<Frame>(
        Status::InvalidArgument("read_limit " + std::to_string(request.read_limit()) + " is negative"));
  }
  if (name->compression != Compression::kIdentity && request.read_limit() != 0) {
    return new FinishedWriteReactor<Frame>(Status::InvalidArgument("read_limit must be 0 when reading compressed-blobs"));
  }
  auto reader = cas_->OpenRead(digest, request.read_offset());
  if (!reader.ok()) return new FinishedWriteReactor<Frame>(reader.status());
  int64_t remaining = digest.size() - request.read_offset();
  if (request.read_limit() > 0) remaining = std::min(remaining, request.read_limit());
  return new ByteStreamReadReactor(std::move(reader).value(), remaining, name->compression);
}

grpc::ServerReadReactor<grpc::ByteBuffer>* ByteStreamService::Write(grpc::CallbackServerContext* context,
                                                                    grpc::ByteBuffer* response) {
  // With every upload slot streamed (or this connection at its limit), the stream is turned
  // away before its first message is read. Reading it first had the server ask for, and
  // take in, the whole message of every stream it then refused: under kiln attack's 20,000
  // abandoned uploads, 16,000 refused streams of 64 KiB each, on the threads that answer
  // every other call. Now a refused stream can send no more than its HTTP/2 window. A log
  // stream takes no slot, but only the resource-name header (kiln's workers send it) tells
  // one apart this early: without it, a log stream's Write is refused too while all are taken.
  const std::optional<std::string_view> header = ResourceNameHeader(context->client_metadata());
  if (!header || !log_streams_ || !ParseLogStreamName(*header)) {
    if (Status room = uploads_->CheckRoomForAny(context->peer()); !room.ok()) {
      return new RefusedWriteReactor(room);
    }
  }
  return new ByteStreamWriteReactor(context, cas_, uploads_, log_streams_, authorizer_, &file_threads_,
                                    &decompress_threads_, response);
}

grpc::ServerUnaryReactor* ByteStreamService::QueryWriteStatus(grpc::CallbackServerContext* context,
                                                              const google::bytestream::QueryWriteStatusRequest* request,
                                                              google::bytestream::QueryWriteStatusResponse* response) {
  if (Status header = CheckResourceNameHeader(context->client_metadata(), request->resource_name()); !header.ok()) {
    return FinishUnary(context, header);
  }
  const ByteStreamTarget target = ByteStreamTargetOf(request->resource_name(), true, log_streams_ != nullptr);
  auto caller = authorizer_->Check(*context, rpc::kQueryWriteStatus, target.instance_name, target.is_log_stream);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  if (log_streams_ && ParseLogStreamName(request->resource_name())) {
    return FinishUnary(context, QueryLogStreamWrite(*log_streams_, request->resource_name(), response));
  }
  auto name = ParseWriteResourceName(request->resource_name());
  if (!name.ok()) return FinishUnary(context, name.status());
  if (ContainsBlob(*cas_, name->digest)) {
    response->set_committed_size(name->digest.size());
    response->set_complete(true);
    return FinishUnary(context, Status::Ok());
  }
  auto committed = uploads_->CommittedSize(request->resource_name());
  if (!committed) {
    return FinishUnary(context, Status::NotFound("no upload in progress for " + request->resource_name()));
  }
  response->set_committed_size(*committed);
  response->set_complete(false);
  return FinishUnary(context, Status::Ok());
}

}  // namespace kiln
