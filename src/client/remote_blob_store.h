// A BlobStore backed by a remote REAPI server: FindMissingBlobs, BatchReadBlobs and
// ByteStream over gRPC. What a `kiln worker` uses to reach its frontend's CAS (and, later,
// what a frontend uses to reach storage nodes). Streams: no blob is held whole in memory
// unless it is small enough for a batch call.
//
// Behaviour beyond the BlobStore contract:
//   - FindMissing cannot return an error, so when a FindMissingBlobs call fails, every
//     digest it asked about is reported missing; the caller's upload then fails with the
//     real error (typically UNAVAILABLE).
//   - The empty blob never costs an RPC: it is never missing, reads return no bytes, and its
//     upload only checks locally that nothing was written.
//   - Reads are not re-hashed (the server verified the blob when it was written), but a
//     blob that arrives short or long fails with DATA_LOSS.
//   - Writes hash locally and fail with INVALID_ARGUMENT before the upload is finished, so
//     the server never publishes wrong data. An upload of a blob the server already has
//     succeeds (ByteStream uploads may end early).
//   - gRPC failures keep their code (NOT_FOUND, UNAVAILABLE, DEADLINE_EXCEEDED, ...).
// Thread-safe; each reader and writer is used by one thread at a time and may outlive the
// store.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "cas/blob_store.h"
#include "common/clock.h"

namespace kiln {

struct RemoteBlobStoreOptions {
  std::string instance_name;
  // Blobs up to this size are read/written with batch calls, larger ones with ByteStream.
  // Keep it below the server's max_batch_total_size_bytes and the channel's message limit.
  int64_t batch_threshold_bytes = 1 << 20;
  // Deadline of each RPC (a ByteStream transfer counts as one RPC).
  Duration rpc_timeout = std::chrono::minutes(10);
  // false: a streamed upload is not hashed here, only counted; the server's check before it
  // publishes the blob is the only one. For kiln's storage nodes, which always check: a
  // replicated write would otherwise hash its stream once per replica on the frontend.
  bool verify_writes = true;
};

std::unique_ptr<BlobStore> NewRemoteBlobStore(std::shared_ptr<grpc::Channel> channel,
                                              const RemoteBlobStoreOptions& options);

}  // namespace kiln
