#include "cas/file_blob_reader.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "cas/guarded_mapping.h"

namespace kiln {
namespace {

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  // Linux 5.14; older kernels answer EINVAL and we do without.
#endif

// Runs shorter than this are copied: mapping (and unmapping, which interrupts every core
// running kiln's threads) would cost more.
constexpr size_t kMapMinBytes = 256 * 1024;

Status CutShort() {
  return Status::DataLoss("the blob's file is shorter than its digest says: it was changed behind kiln's back");
}

}  // namespace

StatusOr<size_t> FileBlobReader::Read(char* buffer, size_t max) {
  auto n = PreadFull(fd_.get(), buffer, max, position_);
  if (n.ok()) position_ += static_cast<int64_t>(*n);
  return n;
}

StatusOr<LentBytes> FileBlobReader::ReadForSending(size_t max) {
  const size_t n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(max), size_ - position_));
  if (n < kMapMinBytes) return BlobReader::ReadForSending(n);
  // Each run is its own mapping, unmapped once gRPC has sent it: page-cache pages mapped
  // into kiln count as its memory, and a whole large blob would count until its last byte.
  std::shared_ptr<const GuardedMapping> mapping = GuardedMapping::Map(fd_.get(), position_, n);
  // A file system that cannot map files still reads them.
  if (!mapping) return BlobReader::ReadForSending(n);
  // Fills the page tables in one call, not a fault per 64 KiB inside the socket write, and
  // finds a file cut short before the client gets half a chunk.
  if (::madvise(const_cast<char*>(mapping->bytes()) - mapping->lead(), n + mapping->lead(), MADV_POPULATE_READ) != 0 &&
      errno == EFAULT) {
    return CutShort();
  }
  position_ += static_cast<int64_t>(n);
  const char* bytes = mapping->bytes();
  return LentBytes{std::move(mapping), bytes, n};
}

}  // namespace kiln
