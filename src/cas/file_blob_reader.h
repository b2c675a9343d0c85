// Reads a stored blob's file at increasing offsets. Socket writes of large blobs get a
// read-only mapping of the file instead of a copy: the page cache goes to the socket with
// one kernel copy rather than two (pread into a buffer, then send from it).
#pragma once

#include <cstdint>
#include <memory>

#include "cas/blob_store.h"
#include "common/file_util.h"

namespace kiln {

class FileBlobReader final : public BlobReader {
 public:
  // `size` is the blob's size (the file's, as checked by the caller).
  FileBlobReader(UniqueFd fd, int64_t size, int64_t offset) : fd_(std::move(fd)), size_(size), position_(offset) {}

  StatusOr<size_t> Read(char* buffer, size_t max) override;
  StatusOr<LentBytes> ReadForSending(size_t max) override;

 private:
  UniqueFd fd_;
  int64_t size_;
  int64_t position_;
};

}  // namespace kiln
