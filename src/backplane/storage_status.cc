#include "backplane/storage_status.h"

#include <cstdio>

#include "backplane/repair_lease.h"
#include "backplane/storage_repair_runner.h"

namespace kiln {

StatusOr<StorageRingStatus> QueryStorageRing(const StorageDirectory& directory, redis::RedisClient* client,
                                             const std::string& key_namespace, const NodeListerFor& listers) {
  auto members = directory.List();
  if (!members.ok()) return members.status();
  StorageRingStatus status;
  for (const StorageNodeEntry& member : *members) {
    StorageNodeStatus node;
    node.name = member.name;
    node.weight = member.weight;
    node.alive = member.alive;
    auto lister = listers(member.name);
    auto totals = lister.ok() ? (*lister)->ListBlobs(std::nullopt, 0) : StatusOr<BlobListPage>(lister.status());
    if (totals.ok()) {
      node.blobs = totals->store_blobs;
      node.bytes = totals->store_bytes;
    } else {
      node.error = totals.status().message();
    }
    status.nodes.push_back(std::move(node));
  }
  auto holder = RepairLease::CurrentHolder(client, key_namespace);
  if (!holder.ok()) return holder.status();
  status.repair_holder = std::move(holder).value();
  auto record = RepairRecordStore(client, key_namespace).Load();
  if (!record.ok()) return record.status();
  status.repair = std::move(record).value();
  return status;
}

std::vector<std::string> FormatStorageRingStatus(const StorageRingStatus& status) {
  std::vector<std::string> lines;
  size_t width = 4;
  for (const StorageNodeStatus& node : status.nodes) width = std::max(width, node.name.size());
  char line[512];
  std::snprintf(line, sizeof line, "%-*s  %6s  %5s  %12s  %14s", static_cast<int>(width), "NODE", "WEIGHT", "ALIVE",
                "BLOBS", "BYTES");
  lines.push_back(line);
  for (const StorageNodeStatus& node : status.nodes) {
    if (node.error.empty()) {
      std::snprintf(line, sizeof line, "%-*s  %6g  %5s  %12lld  %14lld", static_cast<int>(width), node.name.c_str(),
                    node.weight, node.alive ? "yes" : "no", static_cast<long long>(node.blobs),
                    static_cast<long long>(node.bytes));
    } else {
      std::snprintf(line, sizeof line, "%-*s  %6g  %5s  %12s  %14s  (%s)", static_cast<int>(width), node.name.c_str(),
                    node.weight, node.alive ? "yes" : "no", "?", "?", node.error.c_str());
    }
    lines.push_back(line);
  }
  const RepairRecord& repair = status.repair;
  std::string summary = "repair pass: " + std::string(RepairStateName(repair.state));
  if (repair.state != RepairRecord::State::kNone) {
    summary += ", " + DescribeRepairProgress(repair);
    if (repair.state == RepairRecord::State::kFinished && !repair.complete) summary += ", incomplete";
    for (const std::string& node : repair.unlisted_nodes) summary += ", could not list " + node;
  }
  if (!status.repair_holder.empty()) summary += "; lease held by " + status.repair_holder;
  lines.push_back(summary);
  return lines;
}

}  // namespace kiln
