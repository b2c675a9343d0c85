#include "cas/size_limited_blob_store.h"

namespace kiln {

StatusOr<std::unique_ptr<BlobWriter>> SizeLimitedBlobStore::OpenWrite(const Digest& digest) {
  if (max_blob_bytes_ > 0 && digest.size() > max_blob_bytes_) {
    return Status::InvalidArgument("blob " + digest.ToString() + " is larger than this server's max_cas_blob_size_bytes (" +
                                   std::to_string(max_blob_bytes_) + " bytes, see its capabilities)");
  }
  return base_->OpenWrite(digest);
}

}  // namespace kiln
