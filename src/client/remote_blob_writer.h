// Uploads to a remote CAS. Blobs up to the batch threshold are buffered and sent with one
// BatchUpdateBlobs call on Commit; larger ones stream through ByteStream Write in ~1 MiB
// messages as they are written, so memory stays bounded whatever the blob's size.
//
// Both hash locally as bytes arrive, and Commit checks the digest before the upload is
// finished: data that does not match fails with INVALID_ARGUMENT and the server never
// publishes it (the stream is cancelled before finish_write).
#pragma once

#include <memory>

#include "cas/blob_store.h"
#include "client/remote_blob_rpc.h"

namespace kiln {

std::unique_ptr<BlobWriter> NewRemoteBlobWriter(std::shared_ptr<const RemoteCasStubs> remote, const Digest& digest);

}  // namespace kiln
