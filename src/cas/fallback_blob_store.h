// A BlobStore that prefers a primary store and falls back to another one when the primary
// cannot serve: how a `kiln worker` reads its inputs from (and writes its outputs to) the
// storage nodes of its frontend's ring, yet still works through the frontend when it
// cannot reach the nodes (a firewall, a name that does not resolve from the worker, a node
// that refuses its credentials). The fallback store is authoritative for nothing the
// primary is not: both must be views of the same CAS (the frontend reads the same ring).
//
// Only UNAVAILABLE from the primary means "try the fallback" (a ReplicatedBlobStore returns
// it when no node that might hold the blob could be asked; NOT_FOUND is an answer, and the
// frontend would give the same). After one, the primary is left alone for `cooldown`: every
// call goes to the fallback meanwhile, so an unreachable ring costs one failed attempt, not
// one per blob. A read that fails with UNAVAILABLE midway resumes from the fallback at the
// same offset. A write cannot be replayed: one that fails midway fails, and the cooldown
// sends the retry to the fallback (an upload's FindMissing usually meets the failure first,
// before any byte is sent).
//
// Without a primary (none set, or cleared) every call goes to the fallback. Thread-safe;
// readers and writers keep the store they were opened on alive.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

#include "cas/blob_store.h"
#include "common/clock.h"

namespace kiln {

struct FallbackBlobStoreOptions {
  Duration cooldown = std::chrono::seconds(30);
  // Called (outside any lock) each time the primary fails and the fallback takes over, with
  // the primary's error: for a log line.
  std::function<void(const Status&)> on_fallback;
};

class FallbackBlobStore final : public BlobStore {
 public:
  // REQUIRES: `fallback` and `clock` outlive the store.
  FallbackBlobStore(BlobStore* fallback, const Clock* clock, FallbackBlobStoreOptions options);

  // The primary from now on (null: none); ends a cooldown. Returns the one it replaces, for
  // the caller to destroy where it likes (it may wait for calls still running).
  std::shared_ptr<BlobStore> SetPrimary(std::shared_ptr<BlobStore> primary);
  bool has_primary() const;
  // Calls served by the primary, and by the fallback (with or without a primary), so far.
  uint64_t primary_calls() const { return primary_calls_.load(); }
  uint64_t fallback_calls() const { return fallback_calls_.load(); }

  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override;
  StatusOr<std::vector<Digest>> FindMissingOrError(const std::vector<Digest>& digests) override;
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override;
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override;

  // For readers and writers: the primary `failed` failed with UNAVAILABLE; starts a
  // cooldown unless the primary was replaced meanwhile.
  void PrimaryFailed(const BlobStore* failed, const Status& status);

 private:
  // The primary, unless there is none or it is cooling down.
  std::shared_ptr<BlobStore> UsablePrimary() const;

  BlobStore* const fallback_;
  const Clock* const clock_;
  const FallbackBlobStoreOptions options_;
  mutable std::mutex mutex_;
  std::shared_ptr<BlobStore> primary_;
  TimePoint cooling_until_{};
  std::atomic<uint64_t> primary_calls_{0};
  std::atomic<uint64_t> fallback_calls_{0};
};

}  // namespace kiln
