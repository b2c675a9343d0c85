// DiskBlobStore's replica-aware eviction: what a storage node of a ring does when it must
// free space. It takes a batch of its least recently used blobs, asks the other nodes
// (ReplicaPresence, one call per node, in parallel, bounded in time) which of them they
// hold, and evicts, oldest first, those another node holds; a blob no other node holds (the
// last copy) is kept and moved to the front, and the next batch is asked about. Only when
// that cannot bring the store within max_bytes -- only known last copies are left, eight
// rounds found too little, or no peer answers -- does it evict last copies, oldest first,
// and count and log them.
//
// This runs on a thread of its own, so uploads never wait for the network; they may take
// the store past max_bytes meanwhile, by at most max_bytes_over_while_asking. Before it
// evicts last copies, a store stays stuck for last_copy_patience, asking again every half
// second: copies held for a peer's question, or about which a peer is deciding too, are
// free again within seconds.
//
// Two nodes evicting their copies of one blob at once must not both go by the other's
// answer. An asked node holds what it reports held for kPeerHold -- a pin, so that it cannot
// evict that copy itself before the asker has evicted its own -- and the asker trusts "held"
// only until half the hold has passed since it asked (a question has a 2 s deadline). For
// a blob that is a candidate of the asked node's own question in flight (checking_), the
// names break the tie: the node whose name sorts first is told "not held", the other is told
// "held" and holds. So at most one of them evicts it, and one does: two nodes pressed at once
// with the same blobs do not both keep them all. The hold is short because
// it is a pin: it makes space harder to free, and a peer's question is not a client's use.
#include <unistd.h>

#include <algorithm>
#include <set>
#include <thread>
#include <utility>

#include "cas/disk_blob_store.h"
#include "common/logger.h"

namespace kiln {
namespace {

// Candidates per question: enough to amortise a round trip to every peer, few enough that
// the lock is held briefly and the request stays small (about 100 bytes a digest).
constexpr size_t kMinCandidates = 256;
constexpr size_t kMaxCandidates = 2048;
// Questions per pass before the store settles for evicting last copies.
constexpr int kMaxRounds = 8;
constexpr Duration kPeerHold = std::chrono::seconds(5);
constexpr Duration kTrustHeldFor = kPeerHold / 2;

}  // namespace

void DiskBlobStore::SetReplicaPresence(std::shared_ptr<ReplicaPresence> presence, std::string own_name) {
  std::lock_guard lock(mutex_);
  own_name_ = std::move(own_name);
  // Before presence_: Publish submits to it only once it sees a presence.
  if (!ring_checks_) ring_checks_ = std::make_unique<BlockingTaskPool>(1, 4, "eviction checks");
  presence_ = std::move(presence);
}

std::vector<bool> DiskBlobStore::HoldForPeer(const std::vector<Digest>& digests, const std::string& asker) {
  std::vector<bool> held;
  held.reserve(digests.size());
  std::lock_guard lock(mutex_);
  for (const Digest& digest : digests) {
    if (digest.IsEmptyBlob()) {
      held.push_back(true);
      continue;
    }
    // Both deciding: the node whose name sorts first may evict, the other holds its copy
    // (and the hold keeps it from evicting that copy itself when its answers come in).
    const bool deciding = std::binary_search(checking_.begin(), checking_.end(), digest, ListingLess);
    const bool yield = deciding && (asker.empty() || own_name_ < asker);
    held.push_back(!yield && index_.Hold(digest, kPeerHold));
  }
  return held;
}

void DiskBlobStore::WaitForEvictionChecks() {
  std::unique_lock lock(mutex_);
  ring_check_done_.wait(lock, [this] { return !ring_check_scheduled_; });
}

void DiskBlobStore::EvictAskingRing() {
  while (true) {
    std::shared_ptr<ReplicaPresence> presence;
    {
      std::lock_guard lock(mutex_);
      presence = presence_;
    }
    const PassResult result = presence ? EvictionPass(*presence) : PassResult::kDone;
    // Stuck, but not for long yet: ask again in a while (holds lapse, peers finish).
    if (result == PassResult::kStuck) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::vector<Digest> victims;
    {
      std::lock_guard lock(mutex_);
      // Uploads that came in meanwhile found a pass scheduled and left the work to it.
      if (result != PassResult::kDone && presence_ && index_.total_bytes() > options_.max_bytes) continue;
      // The ring was let go of meanwhile (or all is pinned): what plain LRU would do.
      if (!presence_) victims = index_.EvictDownTo(options_.max_bytes);
      ring_check_scheduled_ = false;
      ring_check_done_.notify_all();
    }
    DeleteEvictedNow(victims);
    return;
  }
}

DiskBlobStore::PassResult DiskBlobStore::EvictionPass(ReplicaPresence& presence) {
  std::vector<Digest> last_copies;  // Kept this pass, oldest first.
  std::set<Digest, decltype(&ListingLess)> kept(&ListingLess);  // The same, for lookups.
  bool freed = false;
  bool no_ring = false;
  // Whether the ring has no more to give this pass: no candidate left that is not a known
  // last copy, no peer answering, or a last round that freed nothing. A pass whose last
  // round freed something was outrun by uploads, not short of redundant blobs: it ends
  // without evicting last copies, and the next pass goes on.
  bool settle = false;
  for (int round = 0; round < kMaxRounds; ++round) {
    std::vector<Digest> candidates;
    {
      std::lock_guard lock(mutex_);
      const int64_t need = index_.total_bytes() - options_.max_bytes;
      if (need <= 0) {
        stuck_since_.reset();
        return PassResult::kDone;
      }
      for (Digest& digest : index_.OldestUnpinned(kMinCandidates, need, kMaxCandidates)) {
        // A last copy kept this pass is at the front, but in a small store the walk reaches
        // it again: asked once per pass is enough.
        if (!kept.contains(digest)) candidates.push_back(std::move(digest));
      }
      checking_ = candidates;
      std::sort(checking_.begin(), checking_.end(), ListingLess);
    }
    if (candidates.empty()) {
      settle = true;
      break;
    }
    const auto asked_at = std::chrono::steady_clock::now();
    const PresenceAnswer answer = presence.HeldElsewhere(candidates);
    std::vector<Digest> victims;
    {
      std::lock_guard lock(mutex_);
      checking_.clear();
      // Past it, a peer's hold may have lapsed and its copy gone: nothing counts as held.
      const bool trusted = std::chrono::steady_clock::now() - asked_at < kTrustHeldFor;
      if (answer.peers_asked == 0) {
        // A ring of one: there is no other copy to keep anything for.
        no_ring = true;
        victims = index_.EvictDownTo(options_.max_bytes);
      }
      int64_t need = index_.total_bytes() - options_.max_bytes;
      for (size_t i = 0; i < candidates.size() && need > 0 && !no_ring; ++i) {
        const Digest& candidate = candidates[i];
        if (trusted && answer.held_elsewhere[i]) {
          if (index_.RemoveIfUnpinned(candidate)) {
            victims.push_back(candidate);
            need -= candidate.size();
          }
        } else if (index_.Touch(candidate, /*pin=*/false)) {
          last_copies.push_back(candidate);
          kept.insert(candidate);
          last_copies_kept_.fetch_add(1, std::memory_order_relaxed);
        }
      }
    }
    freed = freed || !victims.empty();
    // Nobody answered: every candidate counts as a last copy, and asking again is no better.
    settle = answer.peers_answered == 0 || (victims.empty() && round == kMaxRounds - 1);
    DeleteEvictedNow(victims);
    if (no_ring || answer.peers_answered == 0) break;
  }
  if (no_ring || !settle) {
    stuck_since_.reset();
    return freed ? PassResult::kProgressed : PassResult::kDone;
  }
  const auto now = std::chrono::steady_clock::now();
  if (!stuck_since_) stuck_since_ = now;
  if (now - *stuck_since_ < options_.last_copy_patience) return PassResult::kStuck;
  std::vector<Digest> victims;
  int64_t last_copy_bytes = 0;
  {
    std::lock_guard lock(mutex_);
    int64_t need = index_.total_bytes() - options_.max_bytes;
    for (const Digest& candidate : last_copies) {
      if (need <= 0) break;
      if (index_.RemoveIfUnpinned(candidate)) {
        victims.push_back(candidate);
        need -= candidate.size();
        last_copy_bytes += candidate.size();
      }
    }
  }
  if (!victims.empty()) {
    last_copy_evictions_.fetch_add(static_cast<int64_t>(victims.size()), std::memory_order_relaxed);
    LogWarning("CAS over its size budget: evicted blobs that no other node of the storage ring was found to hold",
               {NumberField("blobs", static_cast<int64_t>(victims.size())), NumberField("bytes", last_copy_bytes)});
  }
  DeleteEvictedNow(victims);
  if (victims.empty()) return PassResult::kDone;  // All pinned: the next upload tries again.
  stuck_since_.reset();
  return PassResult::kProgressed;
}

void DiskBlobStore::DeleteEvictedNow(const std::vector<Digest>& victims) {
  if (victims.empty()) return;
  int64_t bytes = 0;
  for (const Digest& victim : victims) bytes += victim.size();
  evicted_blobs_.fetch_add(static_cast<int64_t>(victims.size()), std::memory_order_relaxed);
  evicted_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  for (const std::string& path : MoveEvictedAside(victims)) ::unlink(path.c_str());
}

}  // namespace kiln
