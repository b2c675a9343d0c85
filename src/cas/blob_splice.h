// SpliceBlob's core: assembles a blob from chunks already in the CAS. The blob is written
// through the store's ordinary upload path, so it becomes visible only once its bytes hash
// to the digest the client named; the chunks stay stored as blobs of their own.
#pragma once

#include <functional>
#include <vector>

#include "cas/blob_store.h"

namespace kiln {

struct SpliceOptions {
  // Asked between chunks; true stops the splice with CANCELLED (the caller went away).
  std::function<bool()> cancelled;
};

// OK when the blob is stored (already, or now). INVALID_ARGUMENT if a chunk uses another
// digest function than the blob, the chunk sizes do not add up to the blob's size, or the
// chunks' bytes do not hash to the blob's digest; FAILED_PRECONDITION naming every missing
// chunk (Status::missing_blobs) if any is not stored.
//
// Work is bounded by the request: one FindMissing over the distinct chunks, then one read
// per chunk listed; for a blob already stored, only the FindMissing (which extends the
// chunks' lifetimes).
Status SpliceBlob(BlobStore& store, const Digest& blob, const std::vector<Digest>& chunks,
                  const SpliceOptions& options = {});

}  // namespace kiln
