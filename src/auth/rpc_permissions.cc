#include "auth/rpc_permissions.h"

#include <unordered_map>

namespace kiln {
namespace {

constexpr RpcRequirement Needs(Permission permission) {
  return RpcRequirement{RpcRequirement::Kind::kPermission, permission, false};
}
constexpr RpcRequirement kAnyGrant{RpcRequirement::Kind::kAnyGrant, Permission::kAdmin, false};
constexpr RpcRequirement kByteStreamRead{RpcRequirement::Kind::kByteStream, Permission::kAdmin, false};
constexpr RpcRequirement kByteStreamWrite{RpcRequirement::Kind::kByteStream, Permission::kAdmin, true};
constexpr RpcRequirement kPublic{RpcRequirement::Kind::kPublic, Permission::kAdmin, false};

#define REAPI "/build.bazel.remote.execution.v2."

const std::vector<RpcTableEntry>& Table() {
  static const auto* table = new std::vector<RpcTableEntry>{
      {REAPI "Capabilities/GetCapabilities", kAnyGrant},
      // FindMissingBlobs reveals what the CAS holds, so it is a read, though uploaders call
      // it too: a client that writes needs cas-read as well (Bazel always reads).
      {REAPI "ContentAddressableStorage/FindMissingBlobs", Needs(Permission::kCasRead)},
      {REAPI "ContentAddressableStorage/BatchReadBlobs", Needs(Permission::kCasRead)},
      {REAPI "ContentAddressableStorage/GetTree", Needs(Permission::kCasRead)},
      {REAPI "ContentAddressableStorage/SplitBlob", Needs(Permission::kCasRead)},
      {REAPI "ContentAddressableStorage/BatchUpdateBlobs", Needs(Permission::kCasWrite)},
      {REAPI "ContentAddressableStorage/SpliceBlob", Needs(Permission::kCasWrite)},
      {"/google.bytestream.ByteStream/Read", kByteStreamRead},
      {"/google.bytestream.ByteStream/Write", kByteStreamWrite},
      {"/google.bytestream.ByteStream/QueryWriteStatus", kByteStreamWrite},
      {REAPI "ActionCache/GetActionResult", Needs(Permission::kAcRead)},
      {REAPI "ActionCache/UpdateActionResult", Needs(Permission::kAcWrite)},
      {REAPI "Execution/Execute", Needs(Permission::kExecute)},
      {REAPI "Execution/WaitExecution", Needs(Permission::kExecute)},
      {"/google.longrunning.Operations/GetOperation", Needs(Permission::kExecute)},
      {"/google.longrunning.Operations/ListOperations", Needs(Permission::kExecute)},
      {"/google.longrunning.Operations/CancelOperation", Needs(Permission::kExecute)},
      {"/google.longrunning.Operations/DeleteOperation", Needs(Permission::kExecute)},
      {"/build.bazel.remote.asset.v1.Fetch/FetchBlob", Needs(Permission::kAssetFetch)},
      {"/build.bazel.remote.asset.v1.Fetch/FetchDirectory", Needs(Permission::kAssetFetch)},
      {"/build.bazel.remote.asset.v1.Push/PushBlob", Needs(Permission::kAssetPush)},
      {"/build.bazel.remote.asset.v1.Push/PushDirectory", Needs(Permission::kAssetPush)},
      // Whoever produces output creates its stream; readers use ByteStream.Read.
      {"/build.bazel.remote.logstream.v1.LogStreamService/CreateLogStream", Needs(Permission::kLogsWrite)},
      {"/kiln.worker.v1.WorkerService/Connect", Needs(Permission::kWorker)},
      // Load balancers' probes: readiness only.
      {"/grpc.health.v1.Health/Check", kPublic},
      {"/grpc.health.v1.Health/Watch", kPublic},
      // Operators: on the request's instance (CAS, action cache), else on some instance.
      {"/kiln.admin.v1.AdminService/GetStatus", Needs(Permission::kAdmin)},
      {"/kiln.admin.v1.AdminService/ListWorkers", Needs(Permission::kAdmin)},
      {"/kiln.admin.v1.AdminService/DrainWorker", Needs(Permission::kAdmin)},
      {"/kiln.admin.v1.AdminService/ListOperations", Needs(Permission::kAdmin)},
      {"/kiln.admin.v1.AdminService/GetOperation", Needs(Permission::kAdmin)},
      {"/kiln.admin.v1.AdminService/CancelOperation", Needs(Permission::kAdmin)},
      {"/kiln.admin.v1.AdminService/StatBlobs", Needs(Permission::kAdmin)},
      {"/kiln.admin.v1.AdminService/DeleteBlobs", Needs(Permission::kAdmin)},
      {"/kiln.admin.v1.AdminService/GetActionResult", Needs(Permission::kAdmin)},
      {"/kiln.admin.v1.AdminService/DeleteActionResult", Needs(Permission::kAdmin)},
      {"/kiln.admin.v1.AdminService/GetStorageStatus", Needs(Permission::kAdmin)},
      {"/kiln.admin.v1.AdminService/RemoveStorageNode", Needs(Permission::kAdmin)},
      // A storage node's whole listing, every instance's blobs: for the frontends' repair
      // pass, not for clients (grant it to the frontends' principal on the storage nodes).
      {"/kiln.storage.v1.StorageNode/ListBlobs", Needs(Permission::kAdmin)},
      // Another storage node's question before it evicts: which blobs this one holds.
      {"/kiln.storage.v1.StorageNode/FindHeldBlobs", Needs(Permission::kAdmin)},
  };
  return *table;
}

#undef REAPI

std::string DescribeRequirement(const RpcRequirement& need) {
  switch (need.kind) {
    case RpcRequirement::Kind::kPermission: return "`" + std::string(PermissionName(need.permission)) + "`";
    case RpcRequirement::Kind::kAnyGrant: return "any grant for the instance";
    case RpcRequirement::Kind::kPublic: return "nothing (no credentials asked for)";
    case RpcRequirement::Kind::kByteStream:
      return need.bytestream_write ? "`cas-write` (upload name), `logs-write` (log stream write name)"
                                   : "`cas-read` (blob name), `logs-read` (log stream name)";
  }
  return "";
}

}  // namespace

std::optional<RpcRequirement> RequirementForMethod(std::string_view full_method) {
  static const auto* index = [] {
    auto* map = new std::unordered_map<std::string_view, RpcRequirement>();
    for (const RpcTableEntry& entry : Table()) map->emplace(entry.method, entry.requirement);
    return map;
  }();
  auto it = index->find(full_method);
  if (it == index->end()) return std::nullopt;
  return it->second;
}

Permission ByteStreamPermission(bool is_write, bool is_log_stream) {
  if (is_log_stream) return is_write ? Permission::kLogsWrite : Permission::kLogsRead;
  return is_write ? Permission::kCasWrite : Permission::kCasRead;
}

Status AuthorizeRpc(const Principal& principal, const RpcRequirement& need, std::string_view instance_name,
                    bool is_log_stream) {
  switch (need.kind) {
    case RpcRequirement::Kind::kPermission: return Authorize(principal, need.permission, instance_name);
    case RpcRequirement::Kind::kAnyGrant: return AuthorizeAnyGrant(principal, instance_name);
    case RpcRequirement::Kind::kPublic: return Status::Ok();
    case RpcRequirement::Kind::kByteStream:
      return Authorize(principal, ByteStreamPermission(need.bytestream_write, is_log_stream), instance_name);
  }
  return Status(StatusCode::kPermissionDenied, "unknown requirement");
}

const std::vector<RpcTableEntry>& AllRpcRequirements() { return Table(); }

std::string RpcPermissionsMarkdown() {
  std::string out =
      "| RPC | Requires |\n"
      "| --- | --- |\n";
  for (const RpcTableEntry& entry : Table()) {
    out += "| `" + std::string(entry.method.substr(1)) + "` | " + DescribeRequirement(entry.requirement) + " |\n";
  }
  return out;
}

}  // namespace kiln
