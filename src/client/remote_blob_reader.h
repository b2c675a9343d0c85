// The two ways the remote blob store hands out blob contents: small blobs arrive whole in a
// BatchReadBlobs response and are read from memory; large ones are pulled from a ByteStream
// Read stream one message at a time, so at most one chunk (~1 MiB) is ever buffered.
#pragma once

#include <memory>
#include <string>

#include "cas/blob_store.h"
#include "client/remote_blob_rpc.h"

namespace kiln {

std::unique_ptr<BlobReader> NewInMemoryBlobReader(std::string data);

// Starts a ByteStream Read of `digest` from `offset` and waits for the first message, so that
// NOT_FOUND and other refusals are returned here rather than by the first Read().
// The reader fails with DATA_LOSS if the stream ends short of (or runs past) the blob's size.
StatusOr<std::unique_ptr<BlobReader>> OpenByteStreamReader(std::shared_ptr<const RemoteCasStubs> remote,
                                                           const Digest& digest, int64_t offset);

}  // namespace kiln
