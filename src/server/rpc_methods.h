// The full gRPC method paths of the RPCs kiln serves, as the authorization table
// (auth/rpc_permissions.h) names them: each service hands its own to CallAuthorizer::Check.
// A unit test checks that every one has a table entry.
#pragma once

namespace kiln::rpc {

#define KILN_REAPI "/build.bazel.remote.execution.v2."
inline constexpr char kGetCapabilities[] = KILN_REAPI "Capabilities/GetCapabilities";
inline constexpr char kFindMissingBlobs[] = KILN_REAPI "ContentAddressableStorage/FindMissingBlobs";
inline constexpr char kBatchReadBlobs[] = KILN_REAPI "ContentAddressableStorage/BatchReadBlobs";
inline constexpr char kBatchUpdateBlobs[] = KILN_REAPI "ContentAddressableStorage/BatchUpdateBlobs";
inline constexpr char kGetTree[] = KILN_REAPI "ContentAddressableStorage/GetTree";
inline constexpr char kSplitBlob[] = KILN_REAPI "ContentAddressableStorage/SplitBlob";
inline constexpr char kSpliceBlob[] = KILN_REAPI "ContentAddressableStorage/SpliceBlob";
inline constexpr char kGetActionResult[] = KILN_REAPI "ActionCache/GetActionResult";
inline constexpr char kUpdateActionResult[] = KILN_REAPI "ActionCache/UpdateActionResult";
inline constexpr char kExecute[] = KILN_REAPI "Execution/Execute";
inline constexpr char kWaitExecution[] = KILN_REAPI "Execution/WaitExecution";
#undef KILN_REAPI
inline constexpr char kByteStreamRead[] = "/google.bytestream.ByteStream/Read";
inline constexpr char kByteStreamWrite[] = "/google.bytestream.ByteStream/Write";
inline constexpr char kQueryWriteStatus[] = "/google.bytestream.ByteStream/QueryWriteStatus";
inline constexpr char kGetOperation[] = "/google.longrunning.Operations/GetOperation";
inline constexpr char kListOperations[] = "/google.longrunning.Operations/ListOperations";
inline constexpr char kCancelOperation[] = "/google.longrunning.Operations/CancelOperation";
inline constexpr char kDeleteOperation[] = "/google.longrunning.Operations/DeleteOperation";
inline constexpr char kFetchBlob[] = "/build.bazel.remote.asset.v1.Fetch/FetchBlob";
inline constexpr char kFetchDirectory[] = "/build.bazel.remote.asset.v1.Fetch/FetchDirectory";
inline constexpr char kPushBlob[] = "/build.bazel.remote.asset.v1.Push/PushBlob";
inline constexpr char kPushDirectory[] = "/build.bazel.remote.asset.v1.Push/PushDirectory";
inline constexpr char kCreateLogStream[] = "/build.bazel.remote.logstream.v1.LogStreamService/CreateLogStream";
inline constexpr char kWorkerConnect[] = "/kiln.worker.v1.WorkerService/Connect";
inline constexpr char kAdminGetStatus[] = "/kiln.admin.v1.AdminService/GetStatus";
inline constexpr char kAdminListWorkers[] = "/kiln.admin.v1.AdminService/ListWorkers";
inline constexpr char kAdminDrainWorker[] = "/kiln.admin.v1.AdminService/DrainWorker";
inline constexpr char kAdminListOperations[] = "/kiln.admin.v1.AdminService/ListOperations";
inline constexpr char kAdminGetOperation[] = "/kiln.admin.v1.AdminService/GetOperation";
inline constexpr char kAdminCancelOperation[] = "/kiln.admin.v1.AdminService/CancelOperation";
inline constexpr char kAdminStatBlobs[] = "/kiln.admin.v1.AdminService/StatBlobs";
inline constexpr char kAdminDeleteBlobs[] = "/kiln.admin.v1.AdminService/DeleteBlobs";
inline constexpr char kAdminGetActionResult[] = "/kiln.admin.v1.AdminService/GetActionResult";
inline constexpr char kAdminDeleteActionResult[] = "/kiln.admin.v1.AdminService/DeleteActionResult";
inline constexpr char kAdminGetStorageStatus[] = "/kiln.admin.v1.AdminService/GetStorageStatus";
inline constexpr char kAdminRemoveStorageNode[] = "/kiln.admin.v1.AdminService/RemoveStorageNode";
inline constexpr char kListBlobs[] = "/kiln.storage.v1.StorageNode/ListBlobs";
inline constexpr char kFindHeldBlobs[] = "/kiln.storage.v1.StorageNode/FindHeldBlobs";

inline constexpr const char* kAll[] = {
    kGetCapabilities, kFindMissingBlobs, kBatchReadBlobs, kBatchUpdateBlobs, kGetTree,        kSplitBlob,
    kSpliceBlob,      kGetActionResult,
    kUpdateActionResult, kExecute,       kWaitExecution,  kByteStreamRead,   kByteStreamWrite, kQueryWriteStatus,
    kGetOperation,    kListOperations,   kCancelOperation, kDeleteOperation, kFetchBlob,      kFetchDirectory,
    kPushBlob,        kPushDirectory,    kCreateLogStream, kWorkerConnect,
    kAdminGetStatus,
    kAdminListWorkers,
    kAdminDrainWorker,
    kAdminListOperations,
    kAdminGetOperation,
    kAdminCancelOperation,
    kAdminStatBlobs,
    kAdminDeleteBlobs,
    kAdminGetActionResult,
    kAdminDeleteActionResult,
    kAdminGetStorageStatus,
    kAdminRemoveStorageNode,
    kListBlobs,
    kFindHeldBlobs,
};

}  // namespace kiln::rpc
