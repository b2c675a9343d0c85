// Which permission each RPC kiln serves requires: the one table the authorization layer
// consults before a service runs, keyed by the full gRPC method path
// ("/build.bazel.remote.execution.v2.ContentAddressableStorage/FindMissingBlobs").
// A test checks that every method of every service in kiln's protos has an entry, so that
// a new RPC cannot be served without deciding what it needs. Methods not in the table are
// unknown: the caller denies them.
//
// Wiring, per call (the instance name comes from the request, or for ByteStream from the
// resource name; for ByteStream, ask logstream_name.h whether the name is a log stream's):
//   std::optional<RpcRequirement> need = RequirementForMethod(method);
//   if (!need) deny;
//   Status allowed = AuthorizeRpc(*principal, *need, instance_name, is_log_stream);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/permission.h"
#include "auth/principal.h"
#include "common/status.h"

namespace kiln {

struct RpcRequirement {
  enum class Kind : uint8_t {
    // `permission` on the request's instance name.
    kPermission,
    // Any grant that covers the instance name, whatever its permissions: GetCapabilities,
    // which every client calls first, and which reveals nothing beyond the server's setup.
    kAnyGrant,
    // A ByteStream method: the permission depends on whether the resource name is a CAS
    // blob's or a log stream's (ByteStreamPermission).
    kByteStream,
    // Nothing: the service never asks for credentials (grpc.health.v1.Health, which load
    // balancers call without any, and which reveals only whether the server is ready).
    kPublic,
  };
  Kind kind = Kind::kPermission;
  Permission permission = Permission::kAdmin;  // kPermission only.
  bool bytestream_write = false;                // kByteStream only: Write and QueryWriteStatus.
};

// nullopt for a method kiln does not know.
std::optional<RpcRequirement> RequirementForMethod(std::string_view full_method);

// ByteStream: Read of a CAS blob needs cas-read, of a log stream logs-read; Write and
// QueryWriteStatus of an upload need cas-write, of a log stream's write name logs-write.
Permission ByteStreamPermission(bool is_write, bool is_log_stream);

// OK when `principal` may make a call with requirement `need` on `instance_name`;
// otherwise PERMISSION_DENIED naming the principal, the permission and the instance.
// `is_log_stream` matters only for kByteStream.
Status AuthorizeRpc(const Principal& principal, const RpcRequirement& need, std::string_view instance_name,
                    bool is_log_stream = false);

struct RpcTableEntry {
  std::string_view method;  // Full path.
  RpcRequirement requirement;
};
// The whole table, grouped by service, for tests and documentation.
const std::vector<RpcTableEntry>& AllRpcRequirements();

// The table as Markdown (docs/permissions.md is this text; `kiln auth permissions` prints it).
std::string RpcPermissionsMarkdown();

}  // namespace kiln
