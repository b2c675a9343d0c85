// Resource names of log streams, as the LogStream API lays them out:
//   read:  {parent}/logstreams/{id}
//   write: {parent}/logstreams/{id}/{write_token}
// ByteStream carries both kinds next to CAS names, so the service needs to tell them apart
// before CAS parsing: a name is a log stream's when its first reserved segment (blobs,
// uploads, compressed-blobs, logstreams) is "logstreams" and one or two segments follow.
// CAS names always reach "blobs"/"uploads"/"compressed-blobs" first, so none is mistaken.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln {

struct LogStreamName {
  std::string read_name;    // {parent}/logstreams/{id}
  std::string write_token;  // Empty for a read name.
  bool is_write_name() const { return !write_token.empty(); }
};

// nullopt when `name` is not shaped like a log stream name (it may be a CAS name).
std::optional<LogStreamName> ParseLogStreamName(std::string_view name);

// The parent must be a valid instance name (it usually is one) and must not itself
// contain a "logstreams" segment. INVALID_ARGUMENT saying why otherwise.
Status ValidateLogStreamParent(std::string_view parent);

// `id` and `write_token` must be single path segments.
std::string MakeLogStreamReadName(std::string_view parent, std::string_view id);

// In a farm, a stream lives in the memory of the frontend that created it, and the others
// relay reads to it. Its id says which one: "{holder}-{random}", where the holder is that
// frontend's id in the farm (lowercase hex, at most 32 digits). Without a holder, the id is
// the random part alone.
std::string MakeLogStreamId(std::string_view holder, std::string_view random);
// The holder named by a read name's id; empty when it names none or is not a log stream name.
std::string_view LogStreamHolderOf(std::string_view read_name);
// Lowercase hex, 1 to 32 digits: what MakeLogStreamId accepts as a holder.
bool IsValidLogStreamHolder(std::string_view holder);
std::string MakeLogStreamWriteName(std::string_view read_name, std::string_view write_token);

}  // namespace kiln
