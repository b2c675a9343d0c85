// The storage interface every CAS backend implements (memory, disk; later remote, sharded,
// Redis), and decorators wrap. Blobs stream in and out so that no layer needs a whole
// multi-GiB blob in memory. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/digest.h"
#include "common/status.h"

namespace kiln {

// Blob bytes lent by a reader without copying them; `owner` keeps `data` valid for as
// long as anyone holds it.
struct LentBytes {
  std::shared_ptr<const void> owner;
  const char* data = nullptr;
  size_t size = 0;
};

// Sequential reader over one stored blob, positioned at the offset it was opened at.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Reads up to `max` bytes into `buffer`; returns 0 only at the end of the blob.
  virtual StatusOr<size_t> Read(char* buffer, size_t max) = 0;
  // The next bytes (up to `max`; none only at the end), for a socket write. Readers over
  // memory or mapped files lend their own memory; the default copies into a new buffer.
  // Lent memory may map the blob's file: pass it only to kernel copies (a socket write
  // fails with EFAULT where user-space code would die of SIGBUS, were the file truncated
  // behind kiln's back), never read it in user space.
  virtual StatusOr<LentBytes> ReadForSending(size_t max);
  // A caller that stops before the blob's end calls this before it vouches for what it
  // read: readers that check the blob against its digest as they go (verifying_blob_reader.h)
  // read and check the rest, DATA_LOSS if the blob is corrupt. Others have nothing to do.
  virtual Status VerifyRemainder() { return Status::Ok(); }
};

// An upload in progress. Bytes are hashed as they arrive; Commit() makes the blob visible
// only if hash and size match the expected digest. Destroying an uncommitted writer
// discards everything written.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual Status Write(std::string_view data) = 0;
  virtual int64_t bytes_written() const = 0;
  // INVALID_ARGUMENT if the data does not match the digest; nothing is stored then.
  virtual Status Commit() = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Returns the digests that are not stored. Digests reported present stay readable for
  // at least the store's grace period. The empty blob is always present.
  virtual std::vector<Digest> FindMissing(const std::vector<Digest>& digests) = 0;
  // FindMissing for an answer nobody will check again before relying on it (the action
  // cache's completeness check): stores with an index over separate storage also confirm
  // with the storage itself that each blob is still there (a disk store: the file exists
  // and has the blob's size), and forget those that are not.
  virtual std::vector<Digest> FindMissingConfirmed(const std::vector<Digest>& digests) { return FindMissing(digests); }
  // FindMissing for a caller that can pass an error on (FindMissingBlobs, Execute's input
  // check): a store that cannot tell -- a remote store it cannot reach -- returns the error
  // (UNAVAILABLE, ...) rather than reporting every digest missing as FindMissing must.
  virtual StatusOr<std::vector<Digest>> FindMissingOrError(const std::vector<Digest>& digests) {
    return FindMissing(digests);
  }
  // NOT_FOUND if absent; OUT_OF_RANGE if offset > size.
  virtual StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) = 0;
  virtual StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) = 0;
  // Small blobs whole (BatchReadBlobs): one answer per digest, in order, each the blob or
  // why it could not be read (NOT_FOUND, ...). By default one OpenRead each; a store whose
  // blobs are elsewhere (over the network) fetches them in batches.
  virtual std::vector<StatusOr<std::string>> ReadBlobs(const std::vector<Digest>& digests);
  // Removes the blob at once, grace period or not: an operator dropping a blob that must
  // not be served (`kiln admin cas delete`). OK, or NOT_FOUND if it was not stored;
  // UNIMPLEMENTED for stores that cannot. Readers already open may finish.
  virtual Status Delete(const Digest& digest) {
    return Status::Unimplemented("this store cannot delete blobs (" + digest.ToString() + ")");
  }
};

// Convenience for small blobs (Directory, Action, batch RPCs): the whole blob in memory.
StatusOr<std::string> ReadBlob(BlobStore& store, const Digest& digest);
Status WriteBlob(BlobStore& store, const Digest& digest, std::string_view data);
bool ContainsBlob(BlobStore& store, const Digest& digest);
// FindMissing from FindMissingOrError's answer for a store that may fail to tell: on an
// error every digest but the empty blob's is reported missing, so that the caller uploads
// them and the upload surfaces the real error.
std::vector<Digest> MissingOrAll(StatusOr<std::vector<Digest>> answer, const std::vector<Digest>& asked);

}  // namespace kiln
