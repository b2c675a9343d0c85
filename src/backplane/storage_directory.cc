#include "backplane/storage_directory.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "backplane/operation_fields.h"

namespace kiln {
namespace {

// Four refreshes may fail (a Redis failover, a restart) before a node counts as down.
constexpr int kRefreshesPerExpiry = 4;

std::string WeightText(double weight) {
  std::ostringstream text;
  text.precision(17);
  text << weight;
  return text.str();
}

}  // namespace

StatusOr<double> ParseStorageWeight(const std::string& text) {
  char* end = nullptr;
  const double weight = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(weight) || weight <= 0) {
    return Status::InvalidArgument("a storage node's weight must be a positive number, not \"" + text + "\"");
  }
  return weight;
}

StorageDirectory::StorageDirectory(redis::RedisClient* client, const Clock* clock,
                                   const StorageDirectoryOptions& options)
    : client_(client),
      clock_(clock),
      options_(options),
      prefix_("kiln:{" + options.key_namespace + "}:storage:"),
      nodes_key_(prefix_ + "nodes"),
      next_refresh_(clock->Now()) {}

StorageDirectory::~StorageDirectory() {
  std::lock_guard lock(mutex_);
  if (!target_.empty()) (void)client_->Run(AliveKey(target_), {"DEL", AliveKey(target_)});
}

std::string StorageDirectory::AliveKey(const std::string& name) const { return prefix_ + "alive:" + name; }

Status StorageDirectory::Announce(const std::string& target, double weight) {
  auto member = client_->Run(nodes_key_, {"HSET", nodes_key_, target, WeightText(weight)});
  if (!member.ok()) {
    return Status::Unavailable("cannot register this storage node in the backplane: " + member.status().message());
  }
  if (member->is_error()) return Status::Unavailable("the backplane refused this storage node: " + member->text);
  const std::string alive = AliveKey(target);
  auto reply =
      client_->Run(alive, {"SET", alive, "1", "PX", MillisText(options_.refresh_interval * kRefreshesPerExpiry)});
  if (!reply.ok()) {
    return Status::Unavailable("cannot mark this storage node alive in the backplane: " + reply.status().message());
  }
  if (reply->is_error()) return Status::Unavailable("the backplane refused this storage node: " + reply->text);
  return Status::Ok();
}

Status StorageDirectory::Join(std::string target, double weight) {
  {
    std::lock_guard lock(mutex_);
    target_ = target;
    weight_ = weight;
    next_refresh_ = clock_->Now() + options_.refresh_interval;
  }
  return Announce(target, weight);
}

void StorageDirectory::Tick() {
  std::string target;
  double weight;
  {
    std::lock_guard lock(mutex_);
    const TimePoint now = clock_->Now();
    if (target_.empty() || now < next_refresh_) return;
    next_refresh_ = now + options_.refresh_interval;
    target = target_;
    weight = weight_;
  }
  // Also puts the node back after an operator removed it while it ran: a running node
  // that was told to join is a member.
  Status announced = Announce(target, weight);
  if (!announced.ok()) std::cerr << "kiln: " << announced.message() << "\n";
}

StatusOr<std::vector<StorageNodeEntry>> StorageDirectory::List() const {
  auto members = client_->Run(nodes_key_, {"HGETALL", nodes_key_});
  if (!members.ok()) {
    return Status::Unavailable("cannot read the storage nodes from the backplane: " + members.status().message());
  }
  if (members->is_error()) return Status::Unavailable("the backplane refused the storage nodes: " + members->text);
  std::vector<StorageNodeEntry> nodes;
  for (size_t i = 0; i + 1 < members->elements.size(); i += 2) {
    const std::string& name = members->elements[i].text;
    auto weight = ParseStorageWeight(members->elements[i + 1].text);
    if (!weight.ok()) {
      std::cerr << "kiln: ignoring storage node " << name << " in the backplane: " << weight.status().message() << "\n";
      continue;
    }
    nodes.push_back({name, *weight, false});
  }
  if (nodes.empty()) return nodes;
  // The alive keys share the hash tag, hence the slot: one MGET answers for all of them.
  std::vector<std::string> command = {"MGET"};
  for (const StorageNodeEntry& node : nodes) command.push_back(AliveKey(node.name));
  auto alive = client_->Run(command[1], command);
  if (alive.ok() && alive->is_array() && alive->elements.size() == nodes.size()) {
    for (size_t i = 0; i < nodes.size(); ++i) nodes[i].alive = alive->elements[i].is_string();
  }
  std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return nodes;
}

Status StorageDirectory::Remove(const std::string& name) {
  auto removed = client_->Run(nodes_key_, {"HDEL", nodes_key_, name});
  if (!removed.ok()) return Status::Unavailable("cannot remove " + name + " from the backplane: " + removed.status().message());
  if (removed->is_error()) return Status::Unavailable("the backplane refused to remove " + name + ": " + removed->text);
  if (removed->integer == 0) return Status::NotFound("no storage node named " + name + " is in the ring");
  (void)client_->Run(AliveKey(name), {"DEL", AliveKey(name)});
  return Status::Ok();
}

}  // namespace kiln
