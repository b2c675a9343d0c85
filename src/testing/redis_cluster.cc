#include "testing/redis_cluster.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <thread>

#include "redis/redis_key_slot.h"

namespace kiln::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

}  // namespace

StatusOr<std::unique_ptr<RedisCluster>> RedisCluster::Start(int masters, int replicas_per_master) {
  std::unique_ptr<RedisCluster> cluster(new RedisCluster());
  RedisServerOptions options;
  options.cluster = true;
  std::vector<std::string> create = {"/usr/bin/redis-cli", "--cluster", "create"};
  for (int i = 0; i < masters * (1 + replicas_per_master); ++i) {
    StatusOr<std::unique_ptr<RedisServerProcess>> node = RedisServerProcess::Start(options);
    if (!node.ok()) return node.status();
    create.push_back("127.0.0.1:" + std::to_string((*node)->port()));
    cluster->nodes_.push_back(std::move(*node));
  }
  create.insert(create.end(), {"--cluster-replicas", std::to_string(replicas_per_master), "--cluster-yes"});
  StatusOr<std::string> created = RunProgram(create, seconds(30));
  if (!created.ok()) return created.status().WithContext("redis-cli --cluster create");
  KILN_RETURN_IF_ERROR(cluster->WaitUntilHealthy(seconds(20)));
  return cluster;
}

redis::RedisAddress RedisCluster::address() const {
  redis::RedisAddress address;
  for (const auto& node : nodes_) address.seeds.push_back(node->endpoint());
  return address;
}

int RedisCluster::IndexOfPort(int port) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->port() == port) return static_cast<int>(i);
  }
  return -1;
}

StatusOr<std::vector<RedisCluster::NodeView>> RedisCluster::View(size_t asked) {
  StatusOr<std::string> text = nodes_[asked]->Cli({"CLUSTER", "NODES"});
  if (!text.ok()) return text.status();
  // <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <epoch> <link> <slot>...
  std::vector<NodeView> view;
  for (const std::string& line : Split(*text, '\n')) {
    std::vector<std::string> fields = Split(line, ' ');
    if (fields.size() < 8) continue;
    NodeView node;
    node.id = fields[0];
    const size_t colon = fields[1].rfind(':', fields[1].find('@'));
    node.port = std::atoi(fields[1].c_str() + colon + 1);
    const std::string& flags = fields[2];
    node.master = flags.find("master") != std::string::npos;
    node.failed = flags.find("fail") != std::string::npos || flags.find("handshake") != std::string::npos ||
                  flags.find("noaddr") != std::string::npos || fields[7] != "connected";
    if (flags.find("myself") != std::string::npos) node.failed = false;
    for (size_t i = 8; i < fields.size(); ++i) {
      if (fields[i].starts_with('[')) continue;  // A slot migrating or importing.
      const size_t dash = fields[i].find('-');
      const int first = std::atoi(fields[i].c_str());
      const int last = dash == std::string::npos ? first : std::atoi(fields[i].c_str() + dash + 1);
      node.slot_ranges.emplace_back(first, last);
    }
    view.push_back(std::move(node));
  }
  return view;
}

int RedisCluster::MasterOfSlot(int slot) {
  for (size_t asked = 0; asked < nodes_.size(); ++asked) {
    if (!nodes_[asked]->running()) continue;
    StatusOr<std::vector<NodeView>> view = View(asked);
    if (!view.ok()) continue;
    for (const NodeView& node : *view) {
      if (!node.master || node.failed) continue;
      for (auto [first, last] : node.slot_ranges) {
        if (slot >= first && slot <= last) return IndexOfPort(node.port);
      }
    }
    return -1;
  }
  return -1;
}

std::vector<int> RedisCluster::Masters() {
  std::vector<int> masters;
  for (size_t asked = 0; asked < nodes_.size(); ++asked) {
    if (!nodes_[asked]->running()) continue;
    StatusOr<std::vector<NodeView>> view = View(asked);
    if (!view.ok()) continue;
    for (const NodeView& node : *view) {
      if (node.master && !node.failed && !node.slot_ranges.empty()) masters.push_back(IndexOfPort(node.port));
    }
    break;
  }
  return masters;
}

Status RedisCluster::WaitUntilHealthy(Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string problem;
  while (std::chrono::steady_clock::now() < deadline) {
    problem.clear();
    std::vector<int> agreed;  // Slot -> port, as the first live node sees it.
    for (size_t asked = 0; asked < nodes_.size() && problem.empty(); ++asked) {
      if (!nodes_[asked]->running()) continue;
      StatusOr<std::string> info = nodes_[asked]->Cli({"CLUSTER", "INFO"});
      if (!info.ok() || info->find("cluster_state:ok") == std::string::npos) {
        problem = "node " + std::to_string(asked) + " is not cluster_state:ok";
        break;
      }
      StatusOr<std::vector<NodeView>> view = View(asked);
      if (!view.ok()) {
        problem = view.status().message();
        break;
      }
      std::vector<int> owner(redis::kClusterSlots, 0);
      for (const NodeView& node : *view) {
        const int index = IndexOfPort(node.port);
        const bool alive = index >= 0 && nodes_[index]->running();
        if (alive && node.failed) problem = "node " + std::to_string(asked) + " sees a live node as failed";
        if (!node.master) continue;
        for (auto [first, last] : node.slot_ranges) {
          if (!alive || node.failed) problem = "a slot is served by a dead node";
          for (int slot = first; slot <= last; ++slot) owner[slot] = node.port;
        }
      }
      if (agreed.empty()) agreed = owner;
      if (owner != agreed) problem = "the nodes disagree on the slot map";
      if (problem.empty() && std::none_of(view->begin(), view->end(), [&](const NodeView& n) {
            return n.port == nodes_[asked]->port() && n.master;
          })) {
        StatusOr<std::string> replication = nodes_[asked]->Cli({"INFO", "replication"});
        if (!replication.ok() || replication->find("master_link_status:up") == std::string::npos) {
          problem = "replica " + std::to_string(asked) + " has not synced with its master";
        }
      }
    }
    if (problem.empty() && std::count(agreed.begin(), agreed.end(), 0) == 0) return Status::Ok();
    if (problem.empty()) problem = "some slots are not served";
    std::this_thread::sleep_for(milliseconds(50));
  }
  return Status::Unavailable("redis cluster not healthy: " + problem);
}

StatusOr<int> RedisCluster::KillMaster(int i) {
  StatusOr<std::vector<NodeView>> view = View(i);
  if (!view.ok()) return view.status();
  int slot = -1;
  for (const NodeView& node : *view) {
    if (node.port == nodes_[i]->port() && node.master && !node.slot_ranges.empty()) slot = node.slot_ranges[0].first;
  }
  if (slot < 0) return Status::FailedPrecondition("node " + std::to_string(i) + " is not a master with slots");
  nodes_[i]->Kill();
  const auto deadline = std::chrono::steady_clock::now() + seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    const int master = MasterOfSlot(slot);
    if (master >= 0 && master != i && nodes_[master]->running()) {
      KILN_RETURN_IF_ERROR(WaitUntilHealthy(deadline - std::chrono::steady_clock::now()));
      return master;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return Status::Unavailable("no replica took over from node " + std::to_string(i) + " within 15 s");
}

}  // namespace kiln::testing
