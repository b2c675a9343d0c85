// Whether a whole Directory tree is in the CAS: every Directory message and every file it
// names. An asset mapping to a directory is only worth serving if all of it is readable.
#pragma once

#include <vector>

#include "cas/blob_store.h"
#include "cas/message_blob.h"

namespace kiln {

// The blobs of the tree under `root` (Directory messages and files) that the CAS lacks;
// empty if the tree is complete. A missing Directory is reported and not descended into;
// a Directory blob that does not parse, or is over `max_message_bytes` (and so is not
// read), is reported as missing too: such a tree cannot be served.
std::vector<Digest> FindMissingInTree(BlobStore& cas, const Digest& root,
                                      int64_t max_message_bytes = kDefaultMaxMessageBytes);

}  // namespace kiln
