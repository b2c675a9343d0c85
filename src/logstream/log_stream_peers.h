// Where the live log streams of a farm's other frontends can be read. A stream lives in the
// memory of the frontend that created it (the one its action's worker is connected to), but
// a client may watch the action, and so read its output, through any frontend: that one
// relays the read to the holder named in the stream's id (logstream_name.h).
// Implemented over the backplane (backplane/frontend_directory.h).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln {

class LogStreamPeers {
 public:
  virtual ~LogStreamPeers() = default;
  // The target (grpc://HOST:PORT or grpcs://HOST:PORT) of the frontend holding `read_name`.
  // NOT_FOUND when the name names no other frontend (this one's own streams are read
  // locally) or names one that is no longer in the farm; UNAVAILABLE when the farm's
  // directory cannot be asked.
  virtual StatusOr<std::string> HolderTarget(std::string_view read_name) const = 0;
};

}  // namespace kiln
