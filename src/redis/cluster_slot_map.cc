#include "redis/cluster_slot_map.h"

#include <algorithm>
#include <charconv>

namespace kiln::redis {
namespace {

// A node entry of CLUSTER SLOTS: [host, port, id, ...]. An empty host means "the address
// you reached me at"; "?" an unknown one.
std::optional<Endpoint> NodeEndpoint(const Reply& node, const Endpoint& asked) {
  if (!node.is_array() || node.elements.size() < 2 || !node.elements[0].is_string() ||
      !node.elements[1].is_integer()) {
    return std::nullopt;
  }
  Endpoint endpoint{node.elements[0].text, static_cast<int>(node.elements[1].integer)};
  if (endpoint.host.empty()) endpoint.host = asked.host;
  if (endpoint.host == "?" || endpoint.port <= 0) return std::nullopt;
  return endpoint;
}

}  // namespace

int ClusterSlotMap::MasterIndex(const Endpoint& endpoint) {
  auto found = std::find(masters_.begin(), masters_.end(), endpoint);
  if (found != masters_.end()) return static_cast<int>(found - masters_.begin());
  masters_.push_back(endpoint);
  replicas_.erase(std::remove(replicas_.begin(), replicas_.end(), endpoint), replicas_.end());
  return static_cast<int>(masters_.size() - 1);
}

StatusOr<ClusterSlotMap> ClusterSlotMap::FromClusterSlots(const Reply& reply, const Endpoint& asked) {
  const Status malformed = Status::Internal("redis " + asked.ToString() + ": unexpected CLUSTER SLOTS reply " +
                                            reply.DebugString().substr(0, 200));
  if (!reply.is_array()) return malformed;
  ClusterSlotMap map;
  for (const Reply& range : reply.elements) {
    if (!range.is_array() || range.elements.size() < 3 || !range.elements[0].is_integer() ||
        !range.elements[1].is_integer()) {
      return malformed;
    }
    const int64_t first = range.elements[0].integer, last = range.elements[1].integer;
    if (first < 0 || last >= kClusterSlots || first > last) return malformed;
    std::optional<Endpoint> master = NodeEndpoint(range.elements[2], asked);
    if (!master.has_value()) continue;  // Served by a node of unknown address: as if unserved.
    const int index = map.MasterIndex(*master);
    for (int64_t slot = first; slot <= last; ++slot) map.slot_master_[slot] = static_cast<int16_t>(index);
    for (size_t i = 3; i < range.elements.size(); ++i) {
      std::optional<Endpoint> replica = NodeEndpoint(range.elements[i], asked);
      if (replica.has_value() && std::find(map.masters_.begin(), map.masters_.end(), *replica) == map.masters_.end() &&
          std::find(map.replicas_.begin(), map.replicas_.end(), *replica) == map.replicas_.end()) {
        map.replicas_.push_back(*replica);
      }
    }
  }
  return map;
}

std::optional<Endpoint> ClusterSlotMap::MasterOf(int slot) const {
  const int index = slot_master_[slot];
  if (index < 0) return std::nullopt;
  return masters_[index];
}

void ClusterSlotMap::Assign(int slot, const Endpoint& master) {
  slot_master_[slot] = static_cast<int16_t>(MasterIndex(master));
}

std::vector<Endpoint> ClusterSlotMap::KnownNodes() const {
  std::vector<Endpoint> nodes = masters_;
  nodes.insert(nodes.end(), replicas_.begin(), replicas_.end());
  return nodes;
}

std::optional<ClusterRedirect> ParseClusterRedirect(const Reply& reply, const Endpoint& answered) {
  const std::string_view code = reply.error_code();
  if (code != "MOVED" && code != "ASK") return std::nullopt;
  // "MOVED <slot> <host>:<port>"; an IPv6 host is not bracketed, so the port follows the
  // last ':'.
  std::string_view rest = std::string_view(reply.text).substr(code.size());
  while (rest.starts_with(' ')) rest.remove_prefix(1);
  const size_t space = rest.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  ClusterRedirect redirect;
  redirect.ask = code == "ASK";
  std::string_view slot = rest.substr(0, space), target = rest.substr(space + 1);
  auto [slot_end, slot_error] = std::from_chars(slot.data(), slot.data() + slot.size(), redirect.slot);
  if (slot_error != std::errc() || redirect.slot < 0 || redirect.slot >= kClusterSlots) return std::nullopt;
  const size_t colon = target.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view port = target.substr(colon + 1);
  auto [port_end, port_error] = std::from_chars(port.data(), port.data() + port.size(), redirect.target.port);
  if (port_error != std::errc() || redirect.target.port <= 0) return std::nullopt;
  redirect.target.host = std::string(target.substr(0, colon));
  if (redirect.target.host.empty() || redirect.target.host == "?") redirect.target.host = answered.host;
  return redirect;
}

}  // namespace kiln::redis
