#include "cas/ring_repair_pass.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "cas/replica_repairer.h"

namespace kiln {
namespace {

struct ListingOrder {
  bool operator()(const Digest& a, const Digest& b) const { return ListingLess(a, b); }
};

}  // namespace

RingRepairPass::RingRepairPass(ReplicaNodes& nodes, std::vector<BlobLister*> listers, std::optional<Digest> after,
                               RingRepairOptions options)
    : nodes_(nodes),
      listers_(std::move(listers)),
      options_(options),
      listings_(nodes.size()),
      merged_to_(after),
      next_start_(options.clock->Now()),
      cursor_(std::move(after)) {
  for (Listing& listing : listings_) listing.listed_to = cursor_;
}

Duration RingRepairPass::Step() {
  const TimePoint now = options_.clock->Now();
  if (now < next_start_) return next_start_ - now;
  if (!copies_.empty()) return MakeCopies(now);
  {
    std::lock_guard lock(mutex_);
    cursor_ = merged_to_;
    if (done_) return Duration::zero();
  }
  if (!FillListings()) {
    std::lock_guard lock(mutex_);
    done_ = true;
    return Duration::zero();
  }
  MergeNextBlobs();
  return Duration::zero();
}

bool RingRepairPass::FillListings() {
  bool any = false;
  for (size_t node = 0; node < listings_.size(); ++node) {
    Listing& listing = listings_[node];
    if (listing.failed) continue;
    if (listing.buffered.empty() && listing.more) {
      auto page = listers_[node]->ListBlobs(listing.listed_to, options_.page_size);
      if (!page.ok()) {
        std::cerr << "kiln: repair pass: cannot list storage node " << nodes_.name(node) << ": "
                  << page.status().message() << "; its blobs are left for a later pass\n";
        listing.failed = true;
        std::lock_guard lock(mutex_);
        ++counters_.failures;
        unlisted_.push_back(nodes_.name(node));
        continue;
      }
      listing.more = page->more && !page->digests.empty();
      if (!page->digests.empty()) listing.listed_to = page->digests.back();
      listing.buffered.assign(page->digests.begin(), page->digests.end());
    }
    any = any || !listing.buffered.empty();
  }
  return any;
}

void RingRepairPass::MergeNextBlobs() {
  // Blobs up to the least of the listings' last listed digests are known on every node
  // that lists them: any node still to list more lists only blobs after its last.
  std::optional<Digest> frontier;
  for (const Listing& listing : listings_) {
    if (listing.failed || !listing.more) continue;
    if (!frontier || ListingLess(listing.buffered.back(), *frontier)) frontier = listing.buffered.back();
  }
  std::map<Digest, std::vector<size_t>, ListingOrder> holders;
  for (size_t node = 0; node < listings_.size(); ++node) {
    std::deque<Digest>& buffered = listings_[node].buffered;
    while (!buffered.empty() && (!frontier || !ListingLess(*frontier, buffered.front()))) {
      holders[buffered.front()].push_back(node);
      buffered.pop_front();
    }
  }
  std::vector<Copy> needed;
  for (const auto& [digest, nodes] : holders) {
    for (size_t owner : nodes_.ring().Owners(digest, options_.replicas)) {
      if (listings_[owner].failed || std::find(nodes.begin(), nodes.end(), owner) != nodes.end()) continue;
      needed.push_back({digest, owner, nodes});
    }
  }
  std::vector<Copy> missing = ConfirmMissing(std::move(needed));
  {
    std::lock_guard lock(mutex_);
    counters_.blobs_scanned += static_cast<int64_t>(holders.size());
    counters_.copies_missing += static_cast<int64_t>(missing.size());
  }
  for (Copy& copy : missing) copies_.push_back(std::move(copy));
  if (!holders.empty()) merged_to_ = holders.rbegin()->first;
}

std::vector<RingRepairPass::Copy> RingRepairPass::ConfirmMissing(std::vector<Copy> copies) {
  if (copies.empty()) return copies;
  std::map<size_t, std::vector<Digest>> asked;
  for (const Copy& copy : copies) asked[copy.target].push_back(copy.digest);
  // Shared with the calls: one abandoned past its deadline may still write its answer.
  auto answers = std::make_shared<std::map<size_t, std::vector<Digest>>>();
  auto answers_mutex = std::make_shared<std::mutex>();
  std::vector<NodeCall> calls;
  for (auto& [target, digests] : asked) {
    calls.push_back({target, [target, digests, answers, answers_mutex](BlobStore& store) {
                       auto missing = store.FindMissingOrError(digests);
                       if (!missing.ok()) return missing.status();
                       std::lock_guard lock(*answers_mutex);
                       (*answers)[target] = std::move(missing).value();
                       return Status::Ok();
                     }});
  }
  std::vector<Status> results = nodes_.Run(std::move(calls), options_.call_timeout);
  std::map<size_t, std::vector<Digest>> lacking;
  {
    std::lock_guard lock(*answers_mutex);
    lacking = *answers;
  }
  int64_t failed = 0;
  std::vector<Copy> missing;
  for (Copy& copy : copies) {
    auto answer = lacking.find(copy.target);
    if (answer == lacking.end()) {
      ++failed;  // The target could not say: down, most likely.
      continue;
    }
    if (std::find(answer->second.begin(), answer->second.end(), copy.digest) != answer->second.end()) {
      missing.push_back(std::move(copy));
    }
  }
  for (const Status& result : results) {
    if (!result.ok()) std::cerr << "kiln: repair pass: " << result.message() << "\n";
  }
  std::lock_guard lock(mutex_);
  counters_.failures += failed;
  return missing;
}

Duration RingRepairPass::MakeCopies(TimePoint started) {
  std::vector<Copy> batch;
  while (!copies_.empty() && batch.size() < std::max<size_t>(options_.parallel_copies, 1)) {
    batch.push_back(std::move(copies_.front()));
    copies_.pop_front();
  }
  std::vector<Status> results(batch.size());
  // Threads of their own: each copy blocks on its calls, and small copies are bound by
  // round trips, so several at once go several times faster.
  std::vector<std::thread> threads;
  for (size_t i = 0; i < batch.size(); ++i) {
    threads.emplace_back([this, &batch, &results, i] {
      const Copy& copy = batch[i];
      Status last = Status::Unavailable("no node to copy " + copy.digest.ToString() + " from");
      for (size_t source : copy.sources) {
        NodeCopyResult result = CopyBetweenNodes(nodes_, copy.digest, source, copy.target, options_.call_timeout,
                                                 options_.transfer_timeout);
        last = result.status;
        if (result.status.ok() || result.target_failed) break;
      }
      results[i] = last;
    });
  }
  for (std::thread& thread : threads) thread.join();
  int64_t charged = 0;
  {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < batch.size(); ++i) {
      charged += std::max(batch[i].digest.size(), options_.min_bytes_per_copy);
      if (results[i].ok()) {
        ++counters_.copies_made;
        counters_.bytes_copied += batch[i].digest.size();
      } else {
        ++counters_.failures;
        std::cerr << "kiln: repair pass: cannot copy " << batch[i].digest.ToString() << " to "
                  << nodes_.name(batch[i].target) << ": " << results[i].message() << "\n";
      }
    }
  }
  if (options_.bytes_per_second <= 0) return Duration::zero();
  next_start_ = started + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(
                              static_cast<double>(charged) / static_cast<double>(options_.bytes_per_second)));
  return std::max(Duration::zero(), next_start_ - options_.clock->Now());
}

bool RingRepairPass::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

std::optional<Digest> RingRepairPass::cursor() const {
  std::lock_guard lock(mutex_);
  return cursor_;
}

RingRepairCounters RingRepairPass::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::vector<std::string> RingRepairPass::unlisted_nodes() const {
  std::lock_guard lock(mutex_);
  return unlisted_;
}

}  // namespace kiln
