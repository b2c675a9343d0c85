// Reads a slice of a live log stream that another frontend of the farm holds, for callers
// that poll (the web UI's log endpoint) rather than stream. Implemented by the gRPC relay
// (server/logstream_relay.h), which asks the holder.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace kiln {

struct RemoteLogSlice {
  std::string data;  // From the offset asked for; may be empty while the action is quiet.
  // The writer finished and `data` reaches the stream's end: nothing more will come.
  bool finished = false;
};

class RemoteLogReader {
 public:
  virtual ~RemoteLogReader() = default;
  // Up to `max_bytes` of `read_name` from `offset`: what the holder has now, waiting briefly
  // (under a second) for more when it has nothing new. NOT_FOUND when no frontend of the farm
  // holds the stream; UNAVAILABLE when the holder cannot be reached.
  virtual StatusOr<RemoteLogSlice> ReadSlice(const std::string& read_name, int64_t offset, int64_t max_bytes) = 0;
};

}  // namespace kiln
