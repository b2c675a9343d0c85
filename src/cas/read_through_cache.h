// A bounded local disk cache in front of another (usually remote) BlobStore: for workers,
// whose inputs are fetched once, kept in a DiskBlobStore (LRU within its budget) and
// hardlinked into action directories from there; and for frontends whose CAS lives on a
// storage node (kiln serve --cas), which serve reads from it. The remote store stays
// authoritative: FindMissing asks it, and writes go to it and are acknowledged only once it
// has them. Blobs written through OpenWrite are not cached locally (a worker rarely reads
// its outputs back); files moved in with AdoptFile are kept locally as well as uploaded.
//
// Thread-safe. Concurrent EnsureLocal calls for the same blob share one fetch.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "cas/blob_store.h"
#include "cas/disk_blob_store.h"
#include "cas/file_blob_store.h"

namespace kiln {

class ReadThroughCache final : public FileBlobStore {
 public:
  // REQUIRES: `remote` outlives the cache.
  ReadThroughCache(std::unique_ptr<DiskBlobStore> local, BlobStore* remote);
  ~ReadThroughCache() override;

  // Fetches the blob from the remote store unless the local cache has it. Either way the
  // local copy is then pinned for the local store's grace period, so that LocalPath stays
  // valid long enough to hardlink it. NOT_FOUND if the remote store lacks it too;
  // DATA_LOSS if the remote store sent bytes that do not match the digest.
  Status EnsureLocal(const Digest& digest);
  // The local file of a blob (after EnsureLocal), for hardlinking. The empty blob has none.
  std::string LocalPath(const Digest& digest) const { return local_->PathFor(digest); }
  // LocalPath once the local file is known to be intact (DiskBlobStore::VerifiedPathFor);
  // empty if it is not local or was found corrupt (and quarantined).
  std::string VerifiedLocalPath(const Digest& digest) { return local_->VerifiedPathFor(digest); }
  // EnsureLocal, then VerifiedLocalPath: empty if the blob cannot be had.
  std::string VerifiedPathFor(const Digest& digest) override;
  // Moves the file into the local cache, then uploads it from there to the remote store;
  // the digest is returned only once the remote store has the blob. nullopt (file left in
  // place) when the local store cannot take it (DiskBlobStore::AdoptFile).
  StatusOr<std::optional<Digest>> AdoptFile(int dir_fd, const std::string& name, int fd,
                                            DigestFunction function) override;
  // The disk under the cache, for maintenance (scrubbing, idle buffers).
  DiskBlobStore& local() { return *local_; }

  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override;
  StatusOr<std::vector<Digest>> FindMissingOrError(const std::vector<Digest>& digests) override;
  // Served from the local cache, fetching first on a miss.
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override;
  // Those the local cache lacks are fetched in one ReadBlobs of the remote store, checked
  // against their digests and kept locally.
  std::vector<StatusOr<std::string>> ReadBlobs(const std::vector<Digest>& digests) override;
  // Written to the remote store.
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override;
  // From the remote store, then from the local cache (which would serve it otherwise).
  Status Delete(const Digest& digest) override;

 private:
  struct Fetch;
  // Copies the blob from the remote store into the local one.
  Status FetchFromRemote(const Digest& digest);
  // Keeps a blob fetched whole in the local store; DATA_LOSS if it does not match its digest.
  Status KeepFetched(const Digest& digest, const std::string& data);
  // Copies a blob of the local store to the remote one, unless the remote one has it.
  Status UploadFromLocal(const Digest& digest);

  std::unique_ptr<DiskBlobStore> local_;
  BlobStore* remote_;
  std::mutex mutex_;
  std::condition_variable fetch_done_;
  // Fetches in progress, so that a second caller waits for the first instead of
  // downloading the same blob again. Guarded by mutex_.
  std::unordered_map<Digest, std::shared_ptr<Fetch>, DigestHash> fetches_;
};

}  // namespace kiln
