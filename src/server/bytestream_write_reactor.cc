#include "server/bytestream_target.h"
#include "server/rpc_methods.h"
#include "server/bytestream_write_reactor.h"

#include "logstream/logstream_name.h"
#include "server/grpc_status.h"
#include "server/resource_name_header.h"

namespace kiln {

void CancellableCall::Cancel() {
  std::lock_guard lock(mutex_);
  if (context_) context_->TryCancel();
}

void CancellableCall::Detach() {
  std::lock_guard lock(mutex_);
  context_ = nullptr;
}

ByteStreamWriteReactor::ByteStreamWriteReactor(grpc::CallbackServerContext* context, BlobStore* cas,
                                               UploadRegistry* uploads, LogStreamRegistry* log_streams,
                                               const CallAuthorizer* authorizer, BlockingTaskPool* file_threads, BlockingTaskPool* decompress_threads,
                                               grpc::ByteBuffer* response)
    : call_(std::make_shared<CancellableCall>(context)),
      peer_(context->peer()),
      cas_(cas),
      uploads_(uploads),
      log_streams_(log_streams),
      authorizer_(authorizer),
      context_(context),
      file_threads_(file_threads),
      decompress_threads_(decompress_threads),
      response_(response) {
  StartRead(&frame_);
}

void ByteStreamWriteReactor::ReleaseUpload() {
  if (!upload_) return;
  uploads_->Release(resource_name_, ticket_);
  upload_.reset();
}

void ByteStreamWriteReactor::RemoveUpload() {
  if (!upload_) return;
  uploads_->Remove(resource_name_, ticket_);
  upload_.reset();
}

void ByteStreamWriteReactor::OnReadDone(bool ok) {
  if (!ok && log_write_) {
    // Log streams may be appended to by several Write calls; only finish_write ends them.
    Succeed(log_write_->committed_size());
    return;
  }
  if (!ok) {
    // The client half-closed (or vanished) without finish_write.
    Status status = resource_name_.empty()
                        ? Status::InvalidArgument("Write stream ended before any WriteRequest")
                        : Status::InvalidArgument("Write stream for " + resource_name_ +
                                                  " ended without finish_write; resume from QueryWriteStatus");
    ReleaseUpload();
    Finish(ToGrpcStatus(status));
    return;
  }
  if (Status parsed = ParseWriteRequest(frame_, &request_); !parsed.ok()) {
    Fail(parsed);
    return;
  }
  bool keep_reading;
  if (resource_name_.empty()) {
    keep_reading = Begin();
  } else if (!request_.resource_name.empty() && request_.resource_name != resource_name_) {
    Fail(Status::InvalidArgument("resource_name changed mid-stream from " + resource_name_ + " to " +
                                 request_.resource_name));
    keep_reading = false;
  } else {
    keep_reading = log_write_ ? ContinueLogStream() : Continue();
  }
  if (keep_reading) ReadNext();
}

void ByteStreamWriteReactor::ReadNext() {
  request_ = WriteRequestView();  // Lets go of the received slices.
  frame_.Clear();
  StartRead(&frame_);
}

bool ByteStreamWriteReactor::Begin() {
  if (request_.resource_name.empty()) {
    Fail(Status::InvalidArgument("the first WriteRequest must set resource_name"));
    return false;
  }
  // Later requests must repeat the name or leave it empty (OnReadDone), so the first one
  // is the only one to hold against the header.
  if (Status header = CheckResourceNameHeader(context_->client_metadata(), request_.resource_name); !header.ok()) {
    Fail(header);
    return false;
  }
  const ByteStreamTarget target = ByteStreamTargetOf(request_.resource_name, true, log_streams_ != nullptr);
  if (auto caller = authorizer_->Check(*context_, rpc::kByteStreamWrite, target.instance_name, target.is_log_stream);
      !caller.ok()) {
    Fail(caller.status());
    return false;
  }
  if (log_streams_ && ParseLogStreamName(request_.resource_name)) {
    resource_name_ = request_.resource_name;
    log_write_.emplace(log_streams_, resource_name_);
    return ContinueLogStream();
  }
  auto name = ParseWriteResourceName(request_.resource_name);
  if (!name.ok()) {
    Fail(name.status());
    return false;
  }
  resource_name_ = request_.resource_name;
  name_ = std::move(name).value();
  if (ContainsBlob(*cas_, name_.digest)) {
    // REAPI: an upload of a blob the server already has completes immediately.
    Succeed(name_.compression == Compression::kIdentity ? name_.digest.size() : -1);
    return false;
  }
  // Refusals are made here, at once: under a flood of new streams they are most of them.
  if (Status room = uploads_->CheckRoom(request_.resource_name, peer_); !room.ok()) {
    Fail(room);
    return false;
  }
  if (!file_threads_) return Open();
  // Creating the upload's temp file (and its shard directory) waits on the filesystem: on a
  // busy ext4 a millisecond or more, so a burst of new uploads on gRPC's callback threads
  // (two on a 2-core machine) left every other call on the server waiting, for over a second
  // under 20,000 abandoned uploads. No read is pending while the task runs.
  // With the file threads' queue full, the filesystem is not keeping up: turn the upload
  // away rather than create its file here.
  Status submitted = file_threads_->Submit([this] {
    if (Open()) ReadNext();
  });
  if (!submitted.ok()) {
    Fail(submitted);
    return false;
  }
  return false;
}

bool ByteStreamWriteReactor::Open() {
  auto upload = uploads_->Claim(resource_name_, peer_, call_, [this]() -> StatusOr<std::unique_ptr<BlobUpload>> {
    auto writer = cas_->OpenWrite(name_.digest);
    if (!writer.ok()) return writer.status();
    return std::make_unique<BlobUpload>(std::move(writer).value(), name_.digest, name_.compression);
  });
  if (!upload.ok()) {
    resource_name_.clear();  // Not ours to release.
    Fail(upload.status());
    return false;
  }
  upload_ = std::move(upload->upload);
  ticket_ = upload->ticket;
  return Continue();
}

bool ByteStreamWriteReactor::Continue() {
  // A compressed chunk of a few KiB may inflate to as much as its digest declares: hashing
  // and writing a GiB on one of gRPC's callback threads (two on a 2-core machine) would
  // leave every other call unanswered meanwhile. No read is pending while the task runs,
  // so the reactor is only touched by it until it reads on or finishes.
  if (decompress_threads_ && upload_->compression() != Compression::kIdentity &&
      decompress_threads_->Submit([this] {
        if (Append()) ReadNext();
      }).ok()) {
    return false;
  }
  return Append();
}

bool ByteStreamWriteReactor::Append() {
  // Each piece continues where the last one ended; with no data, the offset is still checked.
  Status status = request_.data.empty() ? upload_->Append(request_.write_offset, {}) : Status::Ok();
  int64_t offset = request_.write_offset;
  for (std::string_view piece : request_.data) {
    status = upload_->Append(offset, piece);
    if (!status.ok()) break;
    offset += static_cast<int64_t>(piece.size());
  }
  if (!status.ok()) {
    Fail(status);
    return false;
  }
  if (!request_.finish_write) return true;
  // Committing waits on the disk (a large upload's last direct writes: 3.5 ms per 8 MiB). On
  // gRPC's callback thread (two of them on a 2-core machine) that left the other streams'
  // data unread and a core idle: 20% of both threads' time at 900 MB/s. The stream reads
  // nothing more, so the reactor is only touched again by the pool thread until Finish.
  if (file_threads_ && file_threads_->Submit([this] { Commit(); }).ok()) return false;
  Commit();
  return false;
}

void ByteStreamWriteReactor::Commit() {
  Status status = upload_->Finish();
  if (!status.ok()) {
    Fail(status);
    return;
  }
  const int64_t committed = upload_->committed_size();
  RemoveUpload();
  Succeed(committed);
}

bool ByteStreamWriteReactor::ContinueLogStream() {
  auto finished = log_write_->Apply(request_.ToMessage());
  if (!finished.ok()) {
    Fail(finished.status());
    return false;
  }
  if (!*finished) return true;
  Succeed(log_write_->committed_size());
  return false;
}

void ByteStreamWriteReactor::Succeed(int64_t committed_size) {
  google::bytestream::WriteResponse response;
  response.set_committed_size(committed_size);
  bool own_buffer = false;
  grpc::Status serialized = grpc::SerializationTraits<google::bytestream::WriteResponse>::Serialize(
      response, response_, &own_buffer);
  Finish(serialized);
}

void ByteStreamWriteReactor::Fail(const Status& status) {
  // A failed upload cannot be resumed: its data is wrong or its writer broken.
  RemoveUpload();
  Finish(ToGrpcStatus(status));
}

void ByteStreamWriteReactor::OnDone() {
  call_->Detach();  // Before the context goes away.
  // Cancelled streams end here without OnReadDone(false); keep their upload resumable
  // (unless the stall sweeper reclaimed it, which makes the claim stale).
  ReleaseUpload();
  delete this;
}

}  // namespace kiln
