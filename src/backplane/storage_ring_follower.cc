#include "backplane/storage_ring_follower.h"

#include <iostream>

namespace kiln {
namespace {

// A ring and the node stores it calls, kept alive together.
struct RingStores {
  std::vector<std::shared_ptr<BlobStore>> nodes;
  std::unique_ptr<ReplicatedBlobStore> store;
};

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
      factory_(std::move(factory)),
      clock_(clock),
      options_(std::move(options)),
      cas_(cas),
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
  auto ring = std::make_shared<RingStores>();
  std::map<std::string, std::shared_ptr<BlobStore>> stores;
  std::vector<ReplicatedNode> nodes;
  for (const StorageNodeEntry& member : members) {
    std::shared_ptr<BlobStore> store;
    if (auto known = node_stores_.find(member.name); known != node_stores_.end()) {
      store = known->second;
    } else {
      auto made = factory_(member.name);
      if (!made.ok()) return made.status().WithContext("reaching storage node " + member.name);
      store = std::move(made).value();
    }
    stores[member.name] = store;
    ring->nodes.push_back(store);
    nodes.push_back({RingNode{member.name, member.weight}, store.get()});
  }
  auto replicated = ReplicatedBlobStore::Create(std::move(nodes), options_.replicated);
  if (!replicated.ok()) return replicated.status().WithContext("the backplane's storage ring");
  ring->store = std::move(replicated).value();
  if (members.size() < options_.replicated.replicas) {
    std::cerr << "kiln: the storage ring has " << members.size() << " node(s), fewer than the "
              << options_.replicated.replicas << " copies asked for: each blob is kept on every node\n";
  }
  BlobStore* const front = ring->store.get();
  std::shared_ptr<BlobStore> replaced = cas_->Replace(std::shared_ptr<BlobStore>(ring, front));
  if (replaced) retired_.push_back(std::move(replaced));
  node_stores_ = std::move(stores);
  std::cerr << "kiln: the CAS is now on " << members.size() << " storage node(s):";
  for (const StorageNodeEntry& member : members) std::cerr << " " << member.name << " (weight " << member.weight << ")";
  std::cerr << std::endl;
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
