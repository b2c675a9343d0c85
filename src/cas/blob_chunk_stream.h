// Cuts a blob into content-defined chunks as it is read: one pass over a BlobReader through
// a buffer of about twice the chunker's window, so a blob of any size costs a few MiB.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "cas/blob_store.h"
#include "cas/chunking.h"

namespace kiln {

class BlobChunkStream {
 public:
  // `reader` is positioned at the blob's start.
  BlobChunkStream(std::unique_ptr<BlobReader> reader, std::unique_ptr<ChunkBoundaries> boundaries);

  // The next chunk, valid until the next call; empty once the blob is exhausted.
  StatusOr<std::string_view> Next();
  // Bytes handed out in chunks so far.
  int64_t offset() const { return offset_; }

 private:
  // Reads until the buffer holds a window's worth past begin_, or the blob ends.
  Status Fill();

  std::unique_ptr<BlobReader> reader_;
  std::unique_ptr<ChunkBoundaries> boundaries_;
  std::vector<char> buffer_;
  size_t begin_ = 0;  // First byte not yet handed out.
  size_t end_ = 0;    // One past the last byte read.
  bool at_end_ = false;
  int64_t offset_ = 0;
};

}  // namespace kiln
