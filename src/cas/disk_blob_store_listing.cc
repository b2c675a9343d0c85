// DiskBlobStore's listing (BlobLister): a page is one pass over the index, a range of slots
// per hold of the lock, so that FindMissing and uploads wait at most for one range.
#include "cas/disk_blob_store.h"

namespace kiln {
namespace {

// About 0.3 ms of scanning per hold of the lock.
constexpr uint32_t kSlotsPerHold = 65536;

}  // namespace

StatusOr<BlobListPage> DiskBlobStore::ListBlobs(const std::optional<Digest>& after, size_t limit) {
  BlobIndex::ListingScan scan(after, limit);
  uint32_t next = 0;
  std::optional<uint64_t> layout;
  int64_t blobs = 0;
  int64_t bytes = 0;
  while (true) {
    std::lock_guard lock(mutex_);
    if (layout && *layout != index_.layout_version()) {
      scan = BlobIndex::ListingScan(after, limit);  // Slots were renumbered: start again.
      next = 0;
    }
    layout = index_.layout_version();
    blobs = static_cast<int64_t>(index_.blob_count());
    bytes = index_.total_bytes();
    if (limit == 0) break;
    next = index_.ScanForListing(scan, next, kSlotsPerHold);
    if (next >= index_.slot_capacity()) break;
  }
  BlobListPage page = limit == 0 ? BlobListPage{{}, blobs > 0, 0, 0} : scan.Finish();
  page.store_blobs = blobs;
  page.store_bytes = bytes;
  return page;
}

}  // namespace kiln
