// SplitBlob's core: cuts a stored blob into content-defined chunks in one streaming pass,
// stores every chunk the CAS lacks as a blob of its own, and returns the chunks' digests in
// blob order. When it returns OK, every chunk is in the store (the caller may answer).
#pragma once

#include <vector>

#include "cas/blob_store.h"
#include "cas/chunking.h"

namespace kiln {

// NOT_FOUND if the blob is not stored; DATA_LOSS if what is stored is not the blob; the
// store's error if a chunk cannot be written. An empty blob has no chunks.
StatusOr<std::vector<Digest>> SplitStoredBlob(BlobStore& store, const Digest& blob, ChunkingFunction function,
                                              const ChunkingConfig& config);

}  // namespace kiln
