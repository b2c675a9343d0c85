#include "backplane/storage_ring_follower.h"

#include <iostream>

namespace kiln {
namespace {

bool SameMembers(const std::vector<StorageNodeEntry>& a, const std::vector<StorageNodeEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].weight != b[i].weight) return false;
  }
  return true;
}

}  // namespace

StorageRingFollower::StorageRingFollower(const StorageDirectory* directory, NodeStoreFactory factory,
                                         const Clock* clock, StorageRingFollowerOptions options,
                                         SwappableBlobStore* cas)
    : directory_(directory),
      clock_(clock),
      options_(options),
      cas_(cas),
      builder_(std::move(factory), options.replicated),
      next_refresh_(clock->Now()) {}

Status StorageRingFollower::Refresh() {
  auto members = directory_->List();
  if (!members.ok()) return members.status();
  std::lock_guard lock(mutex_);
  next_refresh_ = clock_->Now() + options_.refresh_interval;
  const bool changed = !SameMembers(*members, members_) || !cas_->current();
  if (!changed) {
    members_ = std::move(members).value();  // Liveness may have changed.
    return Status::Ok();
  }
  KILN_RETURN_IF_ERROR(Apply(*members));
  members_ = std::move(members).value();
  return Status::Ok();
}

// REQUIRES: mutex_ held.
Status StorageRingFollower::Apply(const std::vector<StorageNodeEntry>& members) {
  if (members.empty()) return Status::Unavailable("no storage node has joined the backplane's ring yet");
  StorageRingConfig ring;
  ring.replicas = options_.replicated.replicas;
  for (const StorageNodeEntry& member : members) ring.nodes.push_back(RingNode{member.name, member.weight});
  auto store = builder_.Build(ring);
  if (!store.ok()) return store.status().WithContext("the backplane's storage ring");
  if (members.size() < options_.replicated.replicas) {
    std::cerr << "kiln: the storage ring has " << members.size() << " node(s), fewer than the "
              << options_.replicated.replicas << " copies asked for: each blob is kept on every node\n";
  }
  std::shared_ptr<BlobStore> replaced = cas_->Replace(std::move(store).value());
  if (replaced) retired_.push_back(std::move(replaced));
  std::cerr << "kiln: the CAS is now on " << members.size() << " storage node(s):";
  for (const StorageNodeEntry& member : members) std::cerr << " " << member.name << " (weight " << member.weight << ")";
  std::cerr << std::endl;
  if (options_.on_change) options_.on_change(ring);
  return Status::Ok();
}

void StorageRingFollower::Tick() {
  bool due;
  {
    std::lock_guard lock(mutex_);
    due = clock_->Now() >= next_refresh_;
    if (due) next_refresh_ = clock_->Now() + options_.refresh_interval;
  }
  if (due) {
    Status refreshed = Refresh();
    std::lock_guard lock(mutex_);
    // Said once per new complaint, not every refresh.
    if (!refreshed.ok() && refreshed.message() != last_complaint_) {
      std::cerr << "kiln: keeping the storage ring as it was: " << refreshed.message() << "\n";
    }
    last_complaint_ = refreshed.ok() ? "" : refreshed.message();
  }
  std::vector<std::shared_ptr<BlobStore>> unused;
  {
    std::lock_guard lock(mutex_);
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (it->use_count() == 1) {
        unused.push_back(std::move(*it));
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Destroyed here, outside the lock: a ring's destructor waits for its repairs to stop.
}

std::vector<StorageNodeEntry> StorageRingFollower::members() const {
  std::lock_guard lock(mutex_);
  return members_;
}

}  // namespace kiln
