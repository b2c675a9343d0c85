// Whom a ByteStream resource name belongs to, for authorization: its instance name, and
// whether it names a log stream (logs-read/logs-write) or a CAS blob (cas-read/cas-write).
#pragma once

#include <string>
#include <string_view>

namespace kiln {

struct ByteStreamTarget {
  std::string instance_name;  // Empty for a name that does not parse (it fails later).
  bool is_log_stream = false;
};

// `write`: an upload name ({instance}/uploads/...) rather than a read name.
// `log_streams_served`: whether log stream names are routed at all.
ByteStreamTarget ByteStreamTargetOf(std::string_view resource_name, bool write, bool log_streams_served);

}  // namespace kiln
