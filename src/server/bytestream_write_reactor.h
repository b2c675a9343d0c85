// Receives one ByteStream Write stream. The first message names the upload; each chunk is
// hashed and written as it arrives (memory per stream: one chunk plus a write buffer). A
// blob already in the CAS completes at once. A stream that stops before finish_write leaves
// its upload in the registry so a new stream can resume it at QueryWriteStatus's offset.
// A log stream's write name (the first message decides) goes to a LogStreamWrite instead.
// Requests are read from gRPC's buffers without copying the data (write_request_view.h), and
// the WriteResponse is serialized by hand into the raw response.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <optional>

#include "server/call_authorizer.h"
#include "cas/blob_store.h"
#include "cas/upload_registry.h"
#include "common/blocking_task_pool.h"
#include "common/resource_name.h"
#include "google/bytestream/bytestream.pb.h"
#include "server/logstream_service.h"
#include "server/write_request_view.h"

namespace kiln {

// A Write call as the UploadRegistry sees it: cancellable from the stall sweeper's thread
// until the call is done. The lock keeps the context alive while it is cancelled; it is
// recursive in case gRPC runs the call's last reactions inline, within TryCancel.
class CancellableCall final : public UploadStream {
 public:
  explicit CancellableCall(grpc::CallbackServerContext* context) : context_(context) {}
  void Cancel() override;
  // The call is done: there is nothing to cancel any more.
  void Detach();

 private:
  std::recursive_mutex mutex_;
  grpc::CallbackServerContext* context_;
};

class ByteStreamWriteReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  // `log_streams` may be null (no log stream routing). `file_threads` (not owned, may be
  // null: work inline) creates new uploads' temp files and commits finished uploads;
  // `decompress_threads` (likewise) takes
  // compressed uploads' chunks. `response` receives the serialized WriteResponse. The
  // call's peer is the connection its upload counts against.
  // `authorizer` checks the first message's resource name before anything is done for it.
  ByteStreamWriteReactor(grpc::CallbackServerContext* context, BlobStore* cas, UploadRegistry* uploads,
                         LogStreamRegistry* log_streams, const CallAuthorizer* authorizer, BlockingTaskPool* file_threads,
                         BlockingTaskPool* decompress_threads, grpc::ByteBuffer* response);
  void OnReadDone(bool ok) override;
  void OnDone() override;

 private:
  // Returns false once the stream has been finished (or handed to a pool thread).
  bool Begin();
  // Claims (creating its temp file if new) the upload Begin named, then appends.
  bool Open();
  // Appends the request's data, on a decompression thread for a compressed upload (then it
  // returns false, and the task reads on).
  bool Continue();
  bool Append();
  void ReadNext();
  bool ContinueLogStream();
  // Finishes the upload (its last disk writes, publishing the blob) and the call.
  void Commit();
  void Fail(const Status& status);
  // Finishes OK with a WriteResponse of `committed_size`.
  void Succeed(int64_t committed_size);

  // Gives up the claim on upload_: kept resumable, or dropped.
  void ReleaseUpload();
  void RemoveUpload();

  std::shared_ptr<CancellableCall> call_;
  std::string peer_;
  BlobStore* cas_;
  UploadRegistry* uploads_;
  LogStreamRegistry* log_streams_;
  const CallAuthorizer* authorizer_;
  grpc::CallbackServerContext* const context_;  // Valid until OnDone.
  BlockingTaskPool* file_threads_;
  BlockingTaskPool* decompress_threads_;
  grpc::ByteBuffer* response_;
  grpc::ByteBuffer frame_;   // The request as received.
  WriteRequestView request_;  // Parsed from frame_.
  std::string resource_name_;
  BlobResourceName name_;
  std::shared_ptr<BlobUpload> upload_;
  uint64_t ticket_ = 0;  // upload_'s claim.
  std::optional<LogStreamWrite> log_write_;  // Set when writing a log stream.
};

}  // namespace kiln
