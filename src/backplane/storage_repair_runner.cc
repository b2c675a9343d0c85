#include "backplane/storage_repair_runner.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace kiln {

// A pass in progress, with the ring it runs over.
struct StorageRepairRunner::Pass {
  std::string ring;
  std::vector<RepairNodeAccess> nodes;  // Kept alive while the pass calls them.
  std::unique_ptr<ReplicaNodes> replica_nodes;
  std::unique_ptr<RingRepairPass> pass;
  RingRepairCounters base;  // What the pass it resumes had counted.
  TimePoint started;
  int64_t bytes_at_start = 0;
};

namespace {

std::string Thousands(int64_t value) {
  std::string digits = std::to_string(value);
  for (int i = static_cast<int>(digits.size()) - 3; i > (value < 0 ? 1 : 0); i -= 3) digits.insert(i, ",");
  return digits;
}

RingRepairCounters Sum(const RingRepairCounters& a, const RingRepairCounters& b) {
  return {a.blobs_scanned + b.blobs_scanned, a.copies_missing + b.copies_missing, a.copies_made + b.copies_made,
          a.bytes_copied + b.bytes_copied, a.failures + b.failures};
}

}  // namespace

std::string DescribeRepairProgress(const RepairRecord& record) {
  char text[256];
  const RingRepairCounters& c = record.counters;
  std::snprintf(text, sizeof text, "%.1f%% (%s blobs scanned, %s copies made, %.1f MB, %s failure%s)",
                100 * record.fraction_done, Thousands(c.blobs_scanned).c_str(), Thousands(c.copies_made).c_str(),
                static_cast<double>(c.bytes_copied) / 1e6, Thousands(c.failures).c_str(), c.failures == 1 ? "" : "s");
  return text;
}

StorageRepairRunner::StorageRepairRunner(redis::RedisClient* client, RingMembersSource members,
                                         RepairNodeFactory factory, StorageRepairOptions options)
    : client_(client),
      members_(std::move(members)),
      factory_(std::move(factory)),
      options_(std::move(options)),
      lease_(client, options_.clock, options_.key_namespace, options_.runner_name, options_.lease_ttl),
      records_(client, options_.key_namespace) {}

StorageRepairRunner::~StorageRepairRunner() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(run_mutex_);
  if (pass_) Checkpoint(true);  // Where the next holder goes on from.
  pass_.reset();
  lease_.Release();
}

void StorageRepairRunner::Start() {
  thread_ = std::thread([this] {
    while (true) {
      const Duration wait = RunOnce();
      std::unique_lock lock(stop_mutex_);
      if (stop_requested_.wait_for(lock, wait, [this] { return stopping_; })) return;
    }
  });
}

bool StorageRepairRunner::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

RepairRecord StorageRepairRunner::record() const {
  std::lock_guard lock(mutex_);
  return record_;
}

Duration StorageRepairRunner::RunOnce() {
  std::lock_guard run(run_mutex_);
  return pass_ ? StepPass() : StartPassIfDue();
}

bool StorageRepairRunner::RenewLease() {
  const TimePoint now = options_.clock->Now();
  if (lease_.held() && now < next_renewal_) return true;
  auto held = lease_.Refresh();
  if (!held.ok()) {
    std::cerr << "kiln: " << held.status().message() << "\n";
    return lease_.held();
  }
  next_renewal_ = now + options_.lease_renewal;
  return *held;
}

Duration StorageRepairRunner::StartPassIfDue() {
  if (!RenewLease()) {
    checked_ring_.clear();  // Whoever holds the lease may have run passes meanwhile.
    return options_.lease_poll;
  }
  auto members = members_();
  if (!members.ok() || members->empty()) return options_.idle_poll;
  const std::string ring = RingSignature(*members, options_.replicas);
  if (ring == checked_ring_ && options_.clock->Now() < next_record_read_) return options_.idle_poll;
  auto saved = records_.Load();
  if (!saved.ok()) return options_.idle_poll;
  const WallTimePoint wall_now = options_.clock->WallNow();
  std::string reason;
  bool resume = false;
  if (saved->state == RepairRecord::State::kNone) {
    reason = "no pass has run over this farm's ring yet";
  } else if (saved->state == RepairRecord::State::kRunning) {
    resume = saved->ring == ring;
    reason = resume ? "going on from where the last runner stopped" : "the ring changed during the last pass";
  } else if (saved->ring != ring) {
    reason = "the ring changed";
  } else {
    const Duration every = saved->complete ? options_.interval : std::min(options_.interval, options_.retry_interval);
    if (every <= Duration::zero() || wall_now - saved->finished < every) {
      checked_ring_ = ring;
      next_record_read_ = options_.clock->Now() + options_.record_poll;
      return options_.idle_poll;
    }
    reason = saved->complete ? "the last pass is older than the repair interval" : "the last pass was incomplete";
  }
  auto pass = std::make_unique<Pass>();
  pass->ring = ring;
  std::vector<RingNode> ring_nodes;
  std::vector<BlobStore*> stores;
  std::vector<BlobLister*> listers;
  for (const StorageNodeEntry& member : *members) {
    auto known = node_access_.find(member.name);
    if (known == node_access_.end()) {
      auto made = factory_(member.name);
      if (!made.ok()) {
        std::cerr << "kiln: repair pass: cannot reach storage node " << member.name << ": " << made.status().message()
                  << "\n";
        return options_.idle_poll;
      }
      known = node_access_.emplace(member.name, std::move(made).value()).first;
    }
    pass->nodes.push_back(known->second);
    ring_nodes.push_back({member.name, member.weight});
    stores.push_back(known->second.store.get());
    listers.push_back(known->second.lister.get());
  }
  // Nodes removed from the ring are not called again.
  std::erase_if(node_access_, [&](const auto& entry) {
    return std::none_of(members->begin(), members->end(), [&](const auto& m) { return m.name == entry.first; });
  });
  auto placement = RendezvousRing::Create(ring_nodes);
  if (!placement.ok()) return options_.idle_poll;
  pass->replica_nodes = std::make_unique<ReplicaNodes>(std::move(placement).value(), stores, ReplicaNodeLimits());
  std::optional<Digest> after;
  RepairRecord record;
  if (resume && !saved->cursor.empty()) {
    auto cursor = ParseListingToken(saved->cursor);
    if (cursor.ok()) after = std::move(cursor).value();
  }
  if (resume) {
    record = *saved;
    pass->base = saved->counters;
  } else {
    record.started = wall_now;
  }
  record.state = RepairRecord::State::kRunning;
  record.ring = ring;
  record.runner = options_.runner_name;
  RingRepairOptions pass_options = options_.pass;
  pass_options.replicas = options_.replicas;
  pass_options.clock = options_.clock;
  pass->pass = std::make_unique<RingRepairPass>(*pass->replica_nodes, listers, after, pass_options);
  pass->started = options_.clock->Now();
  pass->bytes_at_start = record.counters.bytes_copied;
  {
    std::lock_guard lock(mutex_);
    record_ = record;
    running_ = true;
  }
  pass_ = std::move(pass);
  std::cerr << "kiln: repair pass " << (resume ? "resumed" : "started") << " over " << members->size()
            << " storage node(s), " << options_.replicas << " copies of each blob (" << reason << ")" << std::endl;
  const TimePoint now = options_.clock->Now();
  next_checkpoint_ = now;
  next_ring_check_ = now + options_.ring_check_interval;
  next_progress_ = now + options_.progress_interval;
  Checkpoint(true);
  return Duration::zero();
}

Duration StorageRepairRunner::StepPass() {
  if (!RenewLease()) {
    DropPass("this frontend lost the repair lease");
    return options_.idle_poll;
  }
  const TimePoint now = options_.clock->Now();
  if (now >= next_ring_check_) {
    next_ring_check_ = now + options_.ring_check_interval;
    auto members = members_();
    if (members.ok() && !members->empty() && RingSignature(*members, options_.replicas) != pass_->ring) {
      DropPass("the ring changed; starting again over the new one");
      return Duration::zero();
    }
  }
  const Duration wait = pass_->pass->Step();
  if (pass_->pass->done()) {
    FinishPass();
    return options_.idle_poll;
  }
  Checkpoint(false);
  return wait;
}

void StorageRepairRunner::Checkpoint(bool force) {
  const TimePoint now = options_.clock->Now();
  RepairRecord record;
  {
    std::lock_guard lock(mutex_);
    const std::optional<Digest> cursor = pass_->pass->cursor();
    record_.cursor = cursor ? ListingToken(*cursor) : "";
    record_.fraction_done = cursor ? ListingFraction(*cursor) : 0;
    record_.counters = Sum(pass_->base, pass_->pass->counters());
    record_.unlisted_nodes = pass_->pass->unlisted_nodes();
    record_.updated = options_.clock->WallNow();
    record = record_;
  }
  if (now >= next_progress_) {
    next_progress_ = now + options_.progress_interval;
    const double seconds = std::chrono::duration<double>(now - pass_->started).count();
    const double rate = seconds > 0 ? static_cast<double>(record.counters.bytes_copied - pass_->bytes_at_start) / 1e6 / seconds : 0;
    char rate_text[64];
    std::snprintf(rate_text, sizeof rate_text, ", %.1f MB/s", rate);
    std::cerr << "kiln: repair pass: " << DescribeRepairProgress(record) << rate_text << std::endl;
  }
  if (!force && now < next_checkpoint_) return;
  next_checkpoint_ = now + options_.checkpoint_interval;
  Status saved = records_.Save(record, lease_);
  if (!saved.ok()) std::cerr << "kiln: repair pass: " << saved.message() << "\n";
}

void StorageRepairRunner::FinishPass() {
  RepairRecord record;
  const double seconds = std::chrono::duration<double>(options_.clock->Now() - pass_->started).count();
  {
    std::lock_guard lock(mutex_);
    record_.cursor = "";
    record_.fraction_done = 1;
    record_.counters = Sum(pass_->base, pass_->pass->counters());
    record_.unlisted_nodes = pass_->pass->unlisted_nodes();
    record_.updated = record_.finished = options_.clock->WallNow();
    record_.state = RepairRecord::State::kFinished;
    record_.complete = record_.unlisted_nodes.empty() && record_.counters.failures == 0;
    record = record_;
    running_ = false;
  }
  Status saved = records_.Save(record, lease_);
  if (!saved.ok()) std::cerr << "kiln: repair pass: " << saved.message() << "\n";
  char rate_text[96];
  std::snprintf(rate_text, sizeof rate_text, " in %.1f s (%.1f MB/s)", seconds,
                seconds > 0 ? static_cast<double>(record.counters.bytes_copied - pass_->bytes_at_start) / 1e6 / seconds : 0.0);
  std::cerr << "kiln: repair pass finished: " << DescribeRepairProgress(record) << rate_text
            << (record.complete ? "" : "; incomplete, another pass follows soon") << std::endl;
  pass_.reset();
}

void StorageRepairRunner::DropPass(const std::string& why) {
  std::cerr << "kiln: repair pass stopped: " << why << std::endl;
  if (lease_.held()) Checkpoint(true);
  {
    std::lock_guard lock(mutex_);
    running_ = false;
  }
  pass_.reset();
}

}  // namespace kiln
