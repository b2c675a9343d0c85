#include "cas/replica_repairer.h"

#include <algorithm>

#include "cas/node_transfer.h"

namespace kiln {

NodeCopyResult CopyBetweenNodes(ReplicaNodes& nodes, const Digest& digest, size_t from, size_t to,
                                Duration call_timeout, Duration transfer_timeout) {
  auto reader = NodeBlobReader::Open(nodes, from, digest, 0, call_timeout);
  if (!reader.ok()) return {reader.status(), false};
  auto writer = NodeBlobWriter::Open(nodes, to, digest, call_timeout);
  if (!writer.ok()) return {writer.status(), true};
  constexpr size_t kChunkBytes = 1 << 20;
  const size_t chunk_size = static_cast<size_t>(std::clamp<int64_t>(digest.size(), 1, kChunkBytes));
  int64_t copied = 0;
  while (true) {
    // A fresh chunk each time: the previous one may still be held by an abandoned write.
    auto chunk = std::make_shared<std::string>(chunk_size, '\0');
    auto n = (*reader)->Read(chunk->data(), chunk->size(), transfer_timeout);
    if (!n.ok()) return {n.status(), false};
    if (*n == 0) break;
    copied += static_cast<int64_t>(*n);
    if (copied > digest.size()) return {Status::DataLoss("storage node " + nodes.name(from) + " sent more bytes than blob " + digest.ToString() + " has"), false};
    chunk->resize(*n);
    Status written = nodes.Run({(*writer)->WriteCall(std::move(chunk))}, transfer_timeout)[0];
    if (!written.ok()) return {written, IsNodeFailure(written)};
  }
  Status committed = nodes.Run({(*writer)->CommitCall()}, transfer_timeout)[0];
  // The target refuses bytes that do not match the digest: the source's bytes, here.
  if (committed.code() == StatusCode::kInvalidArgument) {
    return {Status::DataLoss("storage node " + nodes.name(from) + " served a copy of blob " + digest.ToString() +
                             " that does not match its digest"),
            false};
  }
  return {committed, !committed.ok()};
}

ReplicaRepairer::ReplicaRepairer(ReplicaNodes& nodes, ReplicaRepairOptions options)
    : nodes_(nodes),
      options_(options),
      own_hints_(options.hints ? nullptr : std::make_unique<MemoryHintList>(options.max_hints)),
      hints_(options.hints ? *options.hints : *own_hints_),
      pool_(options.threads, options.max_queued, "repairs", TaskThreadStyle{.name = "kiln-repair", .nice = 5}) {
  if (options_.handoff_interval > Duration::zero()) handoff_thread_ = std::thread([this] { RunHandoffLoop(); });
}

ReplicaRepairer::~ReplicaRepairer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (handoff_thread_.joinable()) handoff_thread_.join();
  pool_.Stop();  // Queued repairs see stopping_ and return at once.
}

void ReplicaRepairer::Schedule(const Digest& digest, size_t target, std::optional<size_t> source, bool rewrite) {
  bool stopping;
  {
    std::lock_guard lock(mutex_);
    stopping = stopping_;
    if (!stopping) {
      if (!pending_.emplace(digest.ToString(), target).second) return;
      ++stats_.scheduled;
    }
  }
  if (stopping) {
    // Not made here: kept as a hint, which a shared list keeps for another frontend. (A
    // handoff pass stopped midway puts back what it took.)
    AddHint(digest, target);
    return;
  }
  Status queued = pool_.Submit([this, digest, target, source, rewrite] { Repair(digest, target, source, rewrite); });
  if (!queued.ok()) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.dropped;
      pending_.erase({digest.ToString(), target});
      changed_.notify_all();
    }
    // Kept as a hint: a shared list outlives this queue, and a later pass tries again.
    AddHint(digest, target);
  }
}

void ReplicaRepairer::AddHint(const Digest& digest, size_t owner) {
  if (hints_.Add({digest, nodes_.name(owner)})) return;
  std::lock_guard lock(mutex_);
  ++stats_.hints_dropped;
}

void ReplicaRepairer::RunHandoffPass() {
  // At most what is listed now: hints of owners still down come back during the pass.
  constexpr size_t kBatch = 1000;
  for (int64_t left = hints_.Size(); left > 0;) {
    {
      // Stopping: the rest stay listed, for the next pass (maybe another frontend's).
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    std::vector<BlobHint> taken = hints_.Take(std::min<size_t>(kBatch, static_cast<size_t>(left)));
    if (taken.empty()) break;
    left -= static_cast<int64_t>(taken.size());
    for (const BlobHint& hint : taken) {
      for (size_t node = 0; node < nodes_.size(); ++node) {
        if (nodes_.name(node) == hint.owner) Schedule(hint.digest, node, std::nullopt);
      }
    }
  }
}

void ReplicaRepairer::WaitIdle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return pending_.empty(); });
}

ReplicaRepairStats ReplicaRepairer::stats() const {
  std::lock_guard lock(mutex_);
  ReplicaRepairStats stats = stats_;
  stats.hints = hints_.Size();
  return stats;
}

void ReplicaRepairer::Repair(const Digest& digest, size_t target, std::optional<size_t> source, bool rewrite) {
  {
    std::unique_lock lock(mutex_);
    if (stopping_) {
      pending_.erase({digest.ToString(), target});
      changed_.notify_all();
      lock.unlock();
      // Not made: left as a hint, which a shared list keeps for another frontend.
      AddHint(digest, target);
      return;
    }
  }
  enum { kRepaired, kUnneeded, kFailed, kTargetDown } outcome = kFailed;
  auto missing = std::make_shared<bool>(true);
  Status asked = rewrite ? Status::Ok()
                         : nodes_.RunOne(
                               target,
                               [digest, missing](BlobStore& store) {
                                 auto result = store.FindMissingOrError({digest});
                                 if (!result.ok()) return result.status();
                                 *missing = !result->empty();
                                 return Status::Ok();
                               },
                               options_.call_timeout);
  if (!asked.ok()) {
    outcome = kTargetDown;
  } else if (!*missing) {
    outcome = kUnneeded;
  } else {
    std::vector<size_t> sources;
    if (source) sources.push_back(*source);
    for (size_t node : nodes_.ring().Order(digest)) {
      if (node != target && node != source) sources.push_back(node);
    }
    for (size_t from : sources) {
      NodeCopyResult copy =
          CopyBetweenNodes(nodes_, digest, from, target, options_.call_timeout, options_.transfer_timeout);
      if (copy.status.ok()) {
        outcome = kRepaired;
        break;
      }
      if (copy.target_failed) {
        outcome = kTargetDown;
        break;
      }
    }
  }
  if (outcome == kTargetDown) AddHint(digest, target);
  std::lock_guard lock(mutex_);
  if (outcome == kRepaired) ++stats_.repaired;
  if (outcome == kUnneeded) ++stats_.unneeded;
  if (outcome == kFailed) ++stats_.failed;
  pending_.erase({digest.ToString(), target});
  changed_.notify_all();
}

void ReplicaRepairer::RunHandoffLoop() {
  std::unique_lock lock(mutex_);
  while (!changed_.wait_for(lock, options_.handoff_interval, [this] { return stopping_; })) {
    lock.unlock();
    RunHandoffPass();
    lock.lock();
  }
}

}  // namespace kiln
