// The embedded production CAS: one file per blob under {root}/cas/{function}/{xx}/{hash},
// an in-memory LRU index, and a byte budget.
//
// Crash safety: uploads are written to a temp file (".tmp-*" beside where the blob will
// live, so that publishing is a rename within one directory) and renamed into place only
// after their hash and size are verified, so a crash or kill -9 at any moment leaves either
// the whole, correct blob or nothing visible. Open() deletes leftover temp files (those and
// {root}/tmp) and rebuilds the index from the files present (oldest modification first, as
// the initial LRU order).
//
// Locking: one mutex guards the index; renames happen outside it, under one of a set of
// per-digest stripe locks, so that publishes of different blobs do not queue behind each
// other's file system work while a publish and an eviction of the same digest still cannot
// interleave.
// Open() takes an exclusive lock on {root}/lock for the store's lifetime, so a second
// process cannot share the directory (and wipe the first one's uploads in tmp/).
// With sync_writes, data is fdatasync'ed before the rename, which extends the guarantee to
// power loss at the price of disk-bound write throughput.
//
// Integrity of stored files: a file changed behind kiln's back (a flipped byte, an edit)
// is never served as the blob. Each index entry remembers the file's identity when its
// bytes last matched the digest (file_identity.h): a blob kiln wrote itself is verified by
// construction, and a read whose fstat shows that identity serves the file without hashing
// it. Any other read hashes as it goes (verifying_blob_reader.h) and a mismatch ends it with
// DATA_LOSS. A file found corrupt -- by a read, by VerifiedPathFor or by Scrub -- is moved to
// {root}/quarantine/ (kept for operators to look at, outside the budget), dropped from the
// index and logged, so FindMissing reports the blob missing and clients upload it again.
// After a restart every entry starts unverified: the first read of each blob hashes it.
//
// Eviction is least recently used first, within max_bytes. A storage node of a ring makes it
// replica-aware (SetReplicaPresence): it asks the other nodes before it evicts, and keeps
// the blobs no other node holds while it can free the space from others; see
// disk_blob_store_eviction.cc.
#pragma once

#include <sys/stat.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cas/blob_index.h"
#include "cas/blob_listing.h"
#include "cas/blob_scrubber.h"
#include "cas/blob_store.h"
#include "cas/file_blob_store.h"
#include "cas/replica_presence.h"
#include "cas/staging_buffer_pool.h"
#include "common/blocking_task_pool.h"
#include "common/clock.h"
#include "common/file_util.h"

namespace kiln {

struct DiskBlobStoreOptions {
  std::string root;
  int64_t max_bytes = int64_t{10} << 30;
  // How long a blob reported present by FindMissing is protected from eviction.
  Duration grace_period = std::chrono::minutes(10);
  bool sync_writes = false;
  // Blobs at least this large are written with O_DIRECT (direct_file_writer.h), 0: never.
  int64_t direct_write_min_bytes = int64_t{1} << 20;
  // How many bytes of evicted blobs may wait for the evictions thread to delete their
  // files; beyond it an upload deletes its own victims before it completes. 0: the larger
  // of 64 MiB and a sixteenth of max_bytes.
  int64_t max_pending_eviction_bytes = 0;
  // With a ring to ask (SetReplicaPresence): how far past max_bytes uploads may take the
  // store while eviction waits for the other nodes' answers; beyond it an upload evicts the
  // least recently used blobs at once, unasked. 0: the larger of 64 MiB and max_bytes/16.
  int64_t max_bytes_over_while_asking = 0;
  // With a ring to ask: how long the store stays over max_bytes, asking again every half
  // second, before it evicts last copies. What keeps a node from freeing space is often
  // brief: its copies held for a peer that is evicting (5 s), or a peer deciding about the
  // same blobs. Uploads do not wait meanwhile (see max_bytes_over_while_asking).
  Duration last_copy_patience = std::chrono::seconds(6);
};

class DiskBlobStore final : public FileBlobStore, public ScrubTarget, public BlobLister, public ReplicaHolder {
 public:
  static StatusOr<std::unique_ptr<DiskBlobStore>> Open(const DiskBlobStoreOptions& options,
                                                      const Clock* clock = SystemClock::Get());

  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override;
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override;
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override;
  // Forgets the blob and deletes its file (pinned or not).
  Status Delete(const Digest& digest) override;

  // Moves a finished file into the store instead of copying it: the file at `name` in
  // `dir_fd`, open at `fd`, is renamed into tmp/, made the store's own (owner, mode 0444),
  // hashed and published, all without copying a byte. Returns its digest, or nullopt with
  // the file left where it was when it cannot be moved: another filesystem, more than one
  // link, not a regular file, or not ownable by this process.
  // REQUIRES: nothing can still write the file (every process that had it open is dead):
  // the hash is taken after the move, but a concurrent writer could still change it.
  StatusOr<std::optional<Digest>> AdoptFile(int dir_fd, const std::string& name, int fd,
                                            DigestFunction function) override;

  int64_t total_bytes() const;
  size_t blob_count() const;
  // The blobs the index holds, in listing order (cas/blob_listing.h). Holds the index's lock
  // for a range of slots at a time, never for a whole pass; touches no blob's LRU position
  // or pin, so a repair pass walking the store does not make everything recently used.
  StatusOr<BlobListPage> ListBlobs(const std::optional<Digest>& after, size_t limit) override;
  // Frees the O_DIRECT staging buffers no upload is using (for an idle server's memory).
  void ReleaseIdleBuffers() { staging_buffers_.ReleaseIdle(); }
  // Gives back the index's memory after a mass eviction (BlobIndex::ShrinkIfSparse).
  void ShrinkIndexIfSparse() {
    std::lock_guard lock(mutex_);
    index_.ShrinkIfSparse();
  }
  // Where a blob lives on disk (for tests; workers that hardlink use VerifiedPathFor).
  std::string PathFor(const Digest& digest) const;
  // The size of the stored blob with this hash, from its file (its path has no size in it),
  // for protocols that name blobs by hash alone (the HTTP cache's /cas/HASH); nullopt if
  // there is no such file. The blob is then read as usual, by its full digest.
  std::optional<int64_t> StoredSize(DigestFunction function, std::string_view hash) const;
  // PathFor a blob whose file is intact (hashing it unless its identity shows it was
  // verified and not touched since), for hardlinking it; empty if the blob is not stored
  // or its file was found corrupt (and quarantined).
  std::string VerifiedPathFor(const Digest& digest) override;
  // Checks the stored file against the digest, whatever its identity says, for a scrubber
  // looking for damage the file system cannot see. Returns the bytes hashed (0 if the blob
  // is gone); a corrupt file is quarantined.
  StatusOr<int64_t> Scrub(const Digest& digest) override;
  // The next blob for a scrubber's walk through the index (in slot order, wrapping
  // around); nullopt when a bounded step found none, e.g. in an empty store.
  std::optional<Digest> NextToScrub() override;
  // Confirms with the file system (exists, regular, right size) each blob the index holds.
  std::vector<Digest> FindMissingConfirmed(const std::vector<Digest>& digests) override;
  // Blobs moved to quarantine since Open (for tests and logs).
  int64_t quarantined_count() const { return quarantined_.load(); }
  // Blobs, and their bytes, evicted to stay within max_bytes since Open (for metrics).
  int64_t evicted_blobs() const { return evicted_blobs_.load(std::memory_order_relaxed); }
  int64_t evicted_bytes() const { return evicted_bytes_.load(std::memory_order_relaxed); }

  // Replica-aware eviction, for a storage node that knows its ring: from now on the store
  // asks `presence` which of its eviction candidates another node holds before evicting
  // (on a thread of its own: uploads never wait for the network), evicts those, and keeps
  // the last copies, moved to the front, as long as it can reach max_bytes without them.
  // `own_name` is this node's name in the ring (what its peers send as `asker`).
  // Null: plain LRU again. Thread-safe; may be called while the store serves.
  void SetReplicaPresence(std::shared_ptr<ReplicaPresence> presence, std::string own_name);
  // A peer's question (ReplicaHolder): holds the blobs reported held for a short while.
  std::vector<bool> HoldForPeer(const std::vector<Digest>& digests, const std::string& asker) override;
  // Blobs evicted although no other node was known to hold them: the ring left no other
  // way to stay within max_bytes, or no peer answered.
  int64_t last_copy_evictions() const { return last_copy_evictions_.load(std::memory_order_relaxed); }
  // Times a last copy was kept (moved to the front) instead of being evicted.
  int64_t last_copies_kept() const { return last_copies_kept_.load(std::memory_order_relaxed); }
  // Blobs evicted unasked because uploads outran the questions (max_bytes_over_while_asking).
  int64_t unchecked_evictions() const { return unchecked_evictions_.load(std::memory_order_relaxed); }
  // Waits until no replica-aware eviction is queued or running (for tests).
  void WaitForEvictionChecks();
  std::string quarantine_dir() const { return options_.root + "/quarantine"; }

 private:
  class Writer;
  DiskBlobStore(const DiskBlobStoreOptions& options, const Clock* clock);
  Status LoadExistingBlobs();
  // A temp file name in {root}/tmp (for files moved in, and evicted files moved aside).
  std::string NewTempPath();
  // A temp file name beside where `digest` will live.
  std::string NewTempPathFor(const Digest& digest) const;
  std::mutex& StripeFor(const Digest& digest);
  // "{xx}/{hash}", relative to the digest function's directory.
  static std::string ShardPath(const Digest& digest);
  // Renames a verified temp file into place, indexes it and evicts to stay in budget.
  Status Publish(const std::string& temp_path, const Digest& digest);
  // Deletes the files of blobs just evicted from the index, on the evictions thread.
  void RemoveEvictedLater(std::vector<Digest> victims);
  // Moves evicted blobs' files out of the store (unless published again meanwhile) and
  // returns where they are now.
  std::vector<std::string> MoveEvictedAside(const std::vector<Digest>& victims);
  void Forget(const Digest& digest);
  // Replica-aware eviction (disk_blob_store_eviction.cc), on ring_checks_.
  void EvictAskingRing();
  // One pass down to max_bytes. kStuck: the ring had no more to give, and last copies would
  // have to go (the pass evicts them only once stuck for last_copy_patience).
  enum class PassResult { kDone, kProgressed, kStuck };
  PassResult EvictionPass(ReplicaPresence& presence);
  // Counts and deletes, on this thread, blobs just taken out of the index.
  void DeleteEvictedNow(const std::vector<Digest>& victims);
  // Moves the file of `digest` to quarantine_dir() if it is still the inode found bad
  // (`bad`), forgets the blob and logs why.
  void Quarantine(const Digest& digest, const struct stat& bad, const std::string& why);
  // Records that the file with identity `st` held the blob's exact bytes.
  void RecordVerified(const Digest& digest, const struct stat& st);
  // Hashes the whole file open at `fd`: OK if it holds the blob; quarantines it otherwise.
  Status VerifyWholeFile(const Digest& digest, int fd, const struct stat& st);
  // Opens the blob's file; NOT_FOUND (forgetting the blob) if it is gone.
  StatusOr<UniqueFd> OpenBlobFile(const Digest& digest);
  // Unlinks files already moved out of the store, on io_threads_.
  void DeleteInBackground(std::vector<std::string> paths);

  const DiskBlobStoreOptions options_;
  UniqueFd lock_;
  UniqueFd function_dirs_[std::size(kAllDigestFunctions)];  // {root}/cas/{function}, by function.
  const std::string temp_dir_;
  mutable std::mutex mutex_;
  BlobIndex index_;  // Guarded by mutex_.
  mutable std::atomic<uint64_t> temp_counter_{0};
  uint32_t scrub_cursor_ = 0;  // Guarded by mutex_: the next index slot NextToScrub looks at.
  std::atomic<int64_t> quarantined_{0};
  std::atomic<int64_t> evicted_blobs_{0};
  std::atomic<int64_t> evicted_bytes_{0};
  std::array<std::mutex, 64> publish_stripes_;
  // 16 x 2 MiB: enough for several large uploads at full speed (two buffers each); more
  // fall back to the page cache.
  StagingBufferPool staging_buffers_{size_t{2} << 20, 16};
  // Direct writes and the deletion of evicted files: the disk waits that no gRPC thread
  // should sit through.
  BlockingTaskPool io_threads_{4, 1024, "disk writes"};
  // Removing evicted files, off the publishing upload's path: making room for one 8 MiB
  // upload in a store full of 4 KiB blobs takes 2,000 renames and unlinks, which kept such
  // an upload waiting for up to 180 ms. Declared last: destroyed first, it finishes its
  // queue while the rest of the store is still there.
  std::atomic<int64_t> pending_eviction_bytes_{0};
  BlockingTaskPool evictions_{1, 1024, "evictions"};
  // Replica-aware eviction. Guarded by mutex_: presence_, own_name_, ring_check_scheduled_ and
  // checking_ (this node's candidates under question, in ListingLess order).
  std::shared_ptr<ReplicaPresence> presence_;
  std::string own_name_;
  bool ring_check_scheduled_ = false;
  std::vector<Digest> checking_;
  std::condition_variable ring_check_done_;
  std::optional<std::chrono::steady_clock::time_point> stuck_since_;  // Only on ring_checks_.
  std::atomic<int64_t> last_copy_evictions_{0};
  std::atomic<int64_t> last_copies_kept_{0};
  std::atomic<int64_t> unchecked_evictions_{0};
  // Created with the first presence; destroyed first, finishing its pass.
  std::unique_ptr<BlockingTaskPool> ring_checks_;
};

}  // namespace kiln
