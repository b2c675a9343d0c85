#include "server/bytestream_target.h"

#include "common/resource_name.h"
#include "logstream/logstream_name.h"

namespace kiln {

ByteStreamTarget ByteStreamTargetOf(std::string_view resource_name, bool write, bool log_streams_served) {
  ByteStreamTarget target;
  if (log_streams_served) {
    if (auto log = ParseLogStreamName(resource_name)) {
      target.is_log_stream = true;
      // {parent}/logstreams/{id}: the parent is the instance the stream was created under.
      const std::string& read_name = log->read_name;
      const size_t id_start = read_name.rfind('/');
      const size_t marker = read_name.rfind('/', id_start == 0 ? 0 : id_start - 1);
      target.instance_name = marker == std::string::npos ? "" : read_name.substr(0, marker);
      return target;
    }
  }
  auto name = write ? ParseWriteResourceName(resource_name) : ParseReadResourceName(resource_name);
  if (name.ok()) target.instance_name = name->instance_name;
  return target;
}

}  // namespace kiln
