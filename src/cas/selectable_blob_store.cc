#include "cas/selectable_blob_store.h"

namespace kiln {

SelectableBlobStore::SelectableBlobStore(std::vector<std::unique_ptr<BlobStore>> stores)
    : stores_(std::move(stores)) {}

}  // namespace kiln
