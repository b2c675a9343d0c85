#include "server/server_description.h"

namespace kiln {

std::string WithoutCredentials(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t at = url.find('@', start);
  if (at == std::string::npos) return url;
  return url.substr(0, start) + url.substr(at + 1);
}

AdminServerDescription DescribeServer(const ServerOptions& options) {
  AdminServerDescription description;
  description.role = options.role == ServerRole::kStorage ? "storage" : "frontend";
  const std::string& nodes = options.storage.target;
  if (nodes.empty()) {
    description.cas = "disk " + options.data_dir;
  } else if (nodes.find(',') != std::string::npos) {
    description.cas = "storage nodes " + nodes + " (" + std::to_string(options.storage_replication) +
                      " copies), cached on disk " + options.data_dir;
  } else {
    description.cas = "storage node " + nodes + ", cached on disk " + options.data_dir;
  }
  if (options.action_cache == ActionCacheLocation::kRedis) {
    description.action_cache = "redis (the backplane)";
  } else {
    description.action_cache = nodes.empty() ? "disk " + options.data_dir + "/ac" : "storage node " + nodes;
  }
  description.backplane = WithoutCredentials(options.backplane.url);
  description.cas_max_bytes = options.max_cas_bytes;
  description.started = SystemClock::Get()->Now();
  return description;
}

}  // namespace kiln
