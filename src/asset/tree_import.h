// Stores a directory on local disk (an unpacked archive, a git checkout) in the CAS as
// REAPI Directory messages, and returns the root's digest. The walk is the one used for
// action outputs (worker/output_tree.h): names sorted, executable bits kept, symlinks kept
// and never followed, special files left out. Children are stored before the root, so a
// root in the CAS always has its whole tree. A tree with a Directory over
// `max_message_bytes` is refused (FAILED_PRECONDITION) before any Directory of it is
// stored (its files are, as they are found): no server with that cap could read it back.
#pragma once

#include <string>

#include "cas/blob_store.h"
#include "cas/message_blob.h"

namespace kiln {

StatusOr<Digest> ImportDirectoryTree(BlobStore& cas, DigestFunction function, const std::string& path,
                                     int64_t max_message_bytes = kDefaultMaxMessageBytes);

}  // namespace kiln
