// ContentAddressableStorage: FindMissingBlobs, BatchUpdateBlobs, BatchReadBlobs, GetTree,
// SplitBlob and SpliceBlob, adapted onto a BlobStore. Large blobs go through
// ByteStreamService instead. Splits and splices read and write whole blobs, so they run on
// threads of their own rather than on gRPC's.
#pragma once

#include "server/call_authorizer.h"
#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "cas/blob_store.h"
#include "cas/chunking.h"
#include "cas/message_blob.h"
#include "common/blocking_task_pool.h"
#include "common/compression.h"
#include "common/proto_digest.h"
#include "server/arena_message_allocator.h"

namespace kiln {

struct CasServiceOptions {
  // Upper bound on the data in one batch request or response (advertised in Capabilities).
  int64_t max_batch_total_size_bytes = 4 * 1024 * 1024;
  // GetTree refuses (FAILED_PRECONDITION) to read a Directory larger than this.
  int64_t max_message_bytes = kDefaultMaxMessageBytes;
  ChunkingConfig chunking;
  // Threads for SplitBlob and SpliceBlob, and how many calls may wait for one.
  int chunking_threads = 2;
  size_t max_queued_chunking_calls = 256;
};

class CasService final : public reapi::ContentAddressableStorage::CallbackService {
 public:
  CasService(BlobStore* cas, const CasServiceOptions& options, const CallAuthorizer* authorizer)
      : cas_(cas),
        options_(options),
        authorizer_(authorizer),
        chunking_pool_(options.chunking_threads, options.max_queued_chunking_calls, "splits and splices",
                       TaskThreadStyle{"kiln-chunking", 0}) {
    SetMessageAllocatorFor_FindMissingBlobs(&find_missing_messages_);
    SetMessageAllocatorFor_BatchReadBlobs(&batch_read_messages_);
    SetMessageAllocatorFor_BatchUpdateBlobs(&batch_update_messages_);
  }

  grpc::ServerUnaryReactor* FindMissingBlobs(grpc::CallbackServerContext* context,
                                             const reapi::FindMissingBlobsRequest* request,
                                             reapi::FindMissingBlobsResponse* response) override;
  grpc::ServerUnaryReactor* BatchUpdateBlobs(grpc::CallbackServerContext* context,
                                             const reapi::BatchUpdateBlobsRequest* request,
                                             reapi::BatchUpdateBlobsResponse* response) override;
  grpc::ServerUnaryReactor* BatchReadBlobs(grpc::CallbackServerContext* context,
                                           const reapi::BatchReadBlobsRequest* request,
                                           reapi::BatchReadBlobsResponse* response) override;
  grpc::ServerWriteReactor<reapi::GetTreeResponse>* GetTree(grpc::CallbackServerContext* context,
                                                           const reapi::GetTreeRequest* request) override;
  grpc::ServerUnaryReactor* SplitBlob(grpc::CallbackServerContext* context, const reapi::SplitBlobRequest* request,
                                      reapi::SplitBlobResponse* response) override;
  grpc::ServerUnaryReactor* SpliceBlob(grpc::CallbackServerContext* context, const reapi::SpliceBlobRequest* request,
                                       reapi::SpliceBlobResponse* response) override;

 private:
  Status UpdateOne(DigestFunction function, const reapi::BatchUpdateBlobsRequest::Request& item, int index);
  // One item of a BatchReadBlobs answer: the blob read (compressed if that pays) or why not.
  void ReadOne(const Digest& digest, StatusOr<std::string> data, Compression compression,
               reapi::BatchReadBlobsResponse::Response* out);

  BlobStore* cas_;
  CasServiceOptions options_;
  const CallAuthorizer* authorizer_;
  ArenaMessageAllocator<reapi::FindMissingBlobsRequest, reapi::FindMissingBlobsResponse> find_missing_messages_;
  ArenaMessageAllocator<reapi::BatchReadBlobsRequest, reapi::BatchReadBlobsResponse> batch_read_messages_;
  ArenaMessageAllocator<reapi::BatchUpdateBlobsRequest, reapi::BatchUpdateBlobsResponse> batch_update_messages_;
  // Last: stopped (its queued calls finished) before anything they use goes.
  BlockingTaskPool chunking_pool_;
};

// Parses request digests that share the request's digest_function field. With the field
// unset, each digest's function is inferred from its own hash length.
StatusOr<Digest> ParseRequestDigest(reapi::DigestFunction::Value function, const reapi::Digest& digest,
                                    std::string_view field);

}  // namespace kiln
