// ByteStream resource names (src/common/resource_name.h, src/logstream/logstream_name.h):
// every Read and Write names its blob or log stream in a client-chosen string. Checked:
// whatever parses names a valid instance and digest, and the canonical name built from the
// parsed parts parses back to the same parts; a log stream name is never also a CAS name.
#include <string>

#include "common/resource_name.h"
#include "fuzz_check.h"
#include "logstream/logstream_name.h"

namespace {

using kiln::BlobResourceName;

bool SameBlob(const BlobResourceName& a, const BlobResourceName& b) {
  return a.instance_name == b.instance_name && a.compression == b.compression && a.digest == b.digest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view name(reinterpret_cast<const char*>(data), size);

  auto read = kiln::ParseReadResourceName(name);
  if (read.ok()) {
    FUZZ_CHECK(kiln::ValidateInstanceName(read->instance_name).ok());
    FUZZ_CHECK(read->upload_id.empty());
    auto again = kiln::ParseReadResourceName(kiln::MakeReadResourceName(read->instance_name, read->digest, read->compression));
    FUZZ_CHECK(again.ok() && SameBlob(*again, *read));
  } else {
    FUZZ_CHECK(read.status().code() == kiln::StatusCode::kInvalidArgument);
  }

  auto write = kiln::ParseWriteResourceName(name);
  if (write.ok()) {
    FUZZ_CHECK(kiln::ValidateInstanceName(write->instance_name).ok());
    FUZZ_CHECK(!write->upload_id.empty() && write->upload_id.find('/') == std::string::npos);
    auto again = kiln::ParseWriteResourceName(
        kiln::MakeWriteResourceName(write->instance_name, write->upload_id, write->digest, write->compression));
    FUZZ_CHECK(again.ok() && SameBlob(*again, *write) && again->upload_id == write->upload_id);
  } else {
    FUZZ_CHECK(write.status().code() == kiln::StatusCode::kInvalidArgument);
  }

  auto log = kiln::ParseLogStreamName(name);
  if (log) {
    FUZZ_CHECK(!read.ok() && !write.ok());
    FUZZ_CHECK(name.starts_with(log->read_name));
    if (log->is_write_name()) {
      FUZZ_CHECK(kiln::MakeLogStreamWriteName(log->read_name, log->write_token) == name);
    } else {
      FUZZ_CHECK(log->read_name == name);
    }
    auto again = kiln::ParseLogStreamName(log->read_name);
    FUZZ_CHECK(again && again->read_name == log->read_name && !again->is_write_name());
  }
  const kiln::Status parent = kiln::ValidateLogStreamParent(name);
  if (parent.ok()) {
    FUZZ_CHECK(kiln::ValidateInstanceName(name).ok());
    const std::string stream = kiln::MakeLogStreamReadName(name, "id");
    auto parsed = kiln::ParseLogStreamName(stream);
    FUZZ_CHECK(parsed && parsed->read_name == stream);
  }
  return 0;
}
