// ByteStream over the CAS: Read and Write stream blobs in chunks through callback reactors
// (no thread is held per stream), QueryWriteStatus reports resumable uploads. Log stream
// names ({parent}/logstreams/...) are routed to the LogStreamRegistry first, when there is one.
#pragma once

#include <memory>

#include "server/call_authorizer.h"
#include "cas/blob_store.h"
#include "cas/stalled_upload_sweeper.h"
#include "cas/upload_registry.h"
#include "common/blocking_task_pool.h"
#include "google/bytestream/bytestream.grpc.pb.h"
#include "logstream/log_stream_registry.h"
#include "server/logstream_relay.h"

namespace kiln {

// Read and Write are raw methods (ByteBuffer in and out) so that blob data is neither copied
// into nor out of messages (read_response_frame.h, write_request_view.h); QueryWriteStatus
// uses the generated messages.
class ByteStreamService final
    : public google::bytestream::ByteStream::WithRawCallbackMethod_Read<
          google::bytestream::ByteStream::WithRawCallbackMethod_Write<google::bytestream::ByteStream::CallbackService>> {
 public:
  // Cancels stalled upload streams (StalledUploadSweeper) while it lives.
  // `relay` (may be null): where reads of log streams held by other frontends go.
  ByteStreamService(BlobStore* cas, UploadRegistry* uploads, LogStreamRegistry* log_streams,
                    const CallAuthorizer* authorizer, LogStreamRelay* relay = nullptr)
      : cas_(cas),
        uploads_(uploads),
        log_streams_(log_streams),
        relay_(relay),
        authorizer_(authorizer),
        sweeper_(std::make_unique<StalledUploadSweeper>(uploads)) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Read(grpc::CallbackServerContext* context,
                                                   const grpc::ByteBuffer* request) override;
  grpc::ServerReadReactor<grpc::ByteBuffer>* Write(grpc::CallbackServerContext* context,
                                                  grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* QueryWriteStatus(grpc::CallbackServerContext* context,
                                             const google::bytestream::QueryWriteStatusRequest* request,
                                             google::bytestream::QueryWriteStatusResponse* response) override;

 private:
  grpc::ServerWriteReactor<grpc::ByteBuffer>* ReadBlob(const google::bytestream::ReadRequest& request);

  BlobStore* cas_;
  UploadRegistry* uploads_;
  LogStreamRegistry* log_streams_;
  LogStreamRelay* relay_;
  const CallAuthorizer* authorizer_;
  std::unique_ptr<StalledUploadSweeper> sweeper_;
  // Where new uploads' temp files are created and finished uploads committed (the reactor
  // says why). Declared last: destroyed first, it runs the tasks still queued, whose calls
  // gRPC waits for.
  // Both pools run below gRPC's threads' priority: under a flood of uploads, creating files
  // (ext4's inode allocation was half the server's CPU under abandoned_uploads) and
  // inflating chunks must not keep other calls from being answered.
  BlockingTaskPool file_threads_{4, 4096, "upload file operations", {"kiln-upload-fs", 5}};
  // Where compressed uploads' chunks are decompressed, hashed and written (the same reason).
  // Declared after the file threads: its tasks may still hand commits to them.
  BlockingTaskPool decompress_threads_{2, 4096, "compressed upload chunks", {"kiln-unzstd", 5}};
};

}  // namespace kiln
