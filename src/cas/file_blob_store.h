// A BlobStore that keeps its blobs as files on this host's disk, and so can hand a blob's
// file out (for local workers to hardlink inputs from) and take finished files in (action
// outputs, Remote Asset downloads) by moving them rather than copying their bytes.
//
// What a frontend's object graph holds as its CAS: the disk store itself
// (cas/disk_blob_store.h), or a read-through cache whose disk keeps local copies of a
// storage node's blobs (cas/read_through_cache.h).
#pragma once

#include <optional>
#include <string>

#include "cas/blob_store.h"

namespace kiln {

class FileBlobStore : public BlobStore {
 public:
  // The path of the blob's file, known to hold the blob's exact bytes, for hardlinking it;
  // empty if the store does not have the blob (or found its file corrupt). Stores that
  // fetch from elsewhere fetch it first.
  virtual std::string VerifiedPathFor(const Digest& digest) = 0;
  // Moves a finished file into the store (the file at `name` in `dir_fd`, open at `fd`):
  // returns its digest once it is stored, or nullopt with the file left where it was when
  // it cannot be moved (the caller copies it then).
  // REQUIRES: nothing can still write the file.
  virtual StatusOr<std::optional<Digest>> AdoptFile(int dir_fd, const std::string& name, int fd,
                                                    DigestFunction function) = 0;
};

}  // namespace kiln
