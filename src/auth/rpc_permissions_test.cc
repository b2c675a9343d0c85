#include "auth/rpc_permissions.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "common/file_util.h"

namespace kiln {
namespace {

// Every .proto kiln compiles (proto/CMakeLists.txt passes its list in), so that a service
// in a new file is caught as well as a new method in a known one.
std::vector<std::string> ProtoFiles() {
  std::vector<std::string> files;
  std::stringstream list(KILN_PROTO_FILES);
  for (std::string file; std::getline(list, file, ',');) files.push_back(file);
  return files;
}

std::vector<std::string> AllServedMethods() {
  std::vector<std::string> methods;
  for (const std::string& name : ProtoFiles()) {
    // A file missing from the pool was not linked in. The test binary links the whole
    // server, so such a file's services (if it has any) are not served by it either.
    const auto* file = google::protobuf::DescriptorPool::generated_pool()->FindFileByName(name);
    if (file == nullptr) continue;
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        methods.push_back("/" + service->full_name() + "/" + service->method(m)->name());
      }
    }
  }
  return methods;
}

TEST(RpcPermissionsTest, EveryMethodOfEveryServiceHasAnEntry) {
  std::vector<std::string> methods = AllServedMethods();
  EXPECT_GE(methods.size(), AllRpcRequirements().size());
  for (const std::string& method : methods) {
    EXPECT_TRUE(RequirementForMethod(method).has_value()) << method << " has no entry in rpc_permissions.cc";
  }
}

TEST(RpcPermissionsTest, EveryEntryIsAMethodThatExists) {
  std::vector<std::string> methods = AllServedMethods();
  std::set<std::string> served(methods.begin(), methods.end());
  std::set<std::string_view> seen;
  for (const RpcTableEntry& entry : AllRpcRequirements()) {
    EXPECT_TRUE(served.count(std::string(entry.method))) << entry.method << " is in the table but in no proto";
    EXPECT_TRUE(seen.insert(entry.method).second) << entry.method << " is listed twice";
  }
}

TEST(RpcPermissionsTest, UnknownMethodsHaveNoRequirement) {
  EXPECT_FALSE(RequirementForMethod("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"));
  EXPECT_FALSE(RequirementForMethod("build.bazel.remote.execution.v2.Execution/Execute"));  // No leading '/'.
  EXPECT_FALSE(RequirementForMethod(""));
}

TEST(RpcPermissionsTest, MapsMethodsToTheirPermission) {
  auto permission_of = [](std::string_view method) {
    auto need = RequirementForMethod(method);
    EXPECT_TRUE(need && need->kind == RpcRequirement::Kind::kPermission) << method;
    return need ? need->permission : Permission::kAdmin;
  };
  EXPECT_EQ(permission_of("/build.bazel.remote.execution.v2.ContentAddressableStorage/FindMissingBlobs"),
            Permission::kCasRead);
  EXPECT_EQ(permission_of("/build.bazel.remote.execution.v2.ContentAddressableStorage/BatchUpdateBlobs"),
            Permission::kCasWrite);
  EXPECT_EQ(permission_of("/build.bazel.remote.execution.v2.ActionCache/GetActionResult"), Permission::kAcRead);
  EXPECT_EQ(permission_of("/build.bazel.remote.execution.v2.ActionCache/UpdateActionResult"), Permission::kAcWrite);
  EXPECT_EQ(permission_of("/build.bazel.remote.execution.v2.Execution/Execute"), Permission::kExecute);
  EXPECT_EQ(permission_of("/build.bazel.remote.execution.v2.Execution/WaitExecution"), Permission::kExecute);
  EXPECT_EQ(permission_of("/google.longrunning.Operations/CancelOperation"), Permission::kExecute);
  EXPECT_EQ(permission_of("/build.bazel.remote.asset.v1.Fetch/FetchBlob"), Permission::kAssetFetch);
  EXPECT_EQ(permission_of("/build.bazel.remote.asset.v1.Push/PushDirectory"), Permission::kAssetPush);
  EXPECT_EQ(permission_of("/build.bazel.remote.logstream.v1.LogStreamService/CreateLogStream"),
            Permission::kLogsWrite);
  EXPECT_EQ(permission_of("/kiln.worker.v1.WorkerService/Connect"), Permission::kWorker);
  auto capabilities = RequirementForMethod("/build.bazel.remote.execution.v2.Capabilities/GetCapabilities");
  ASSERT_TRUE(capabilities);
  EXPECT_EQ(capabilities->kind, RpcRequirement::Kind::kAnyGrant);
}

TEST(RpcPermissionsTest, ByteStreamDependsOnTheResourceName) {
  auto read = RequirementForMethod("/google.bytestream.ByteStream/Read");
  auto write = RequirementForMethod("/google.bytestream.ByteStream/Write");
  auto query = RequirementForMethod("/google.bytestream.ByteStream/QueryWriteStatus");
  ASSERT_TRUE(read && write && query);
  EXPECT_EQ(read->kind, RpcRequirement::Kind::kByteStream);
  EXPECT_FALSE(read->bytestream_write);
  EXPECT_TRUE(write->bytestream_write);
  EXPECT_TRUE(query->bytestream_write);
  EXPECT_EQ(ByteStreamPermission(false, false), Permission::kCasRead);
  EXPECT_EQ(ByteStreamPermission(false, true), Permission::kLogsRead);
  EXPECT_EQ(ByteStreamPermission(true, false), Permission::kCasWrite);
  EXPECT_EQ(ByteStreamPermission(true, true), Permission::kLogsWrite);
}

TEST(RpcPermissionsTest, AuthorizeRpcChecksEachKind) {
  Grant logs;
  logs.permissions.Add(Permission::kLogsRead);
  logs.restricted_to_instances = true;
  logs.instances = {"main"};
  Principal viewer{"viewer", {logs}};
  auto read = *RequirementForMethod("/google.bytestream.ByteStream/Read");
  EXPECT_TRUE(AuthorizeRpc(viewer, read, "main", /*is_log_stream=*/true).ok());
  EXPECT_EQ(AuthorizeRpc(viewer, read, "main", /*is_log_stream=*/false).code(), StatusCode::kPermissionDenied);
  auto capabilities = *RequirementForMethod("/build.bazel.remote.execution.v2.Capabilities/GetCapabilities");
  EXPECT_TRUE(AuthorizeRpc(viewer, capabilities, "main").ok());
  EXPECT_EQ(AuthorizeRpc(viewer, capabilities, "other").code(), StatusCode::kPermissionDenied);
  auto execute = *RequirementForMethod("/build.bazel.remote.execution.v2.Execution/Execute");
  Status denied = AuthorizeRpc(viewer, execute, "main");
  EXPECT_EQ(denied.message(), "principal \"viewer\" lacks permission execute on instance \"main\"");
}

TEST(RpcPermissionsTest, MarkdownListsEveryMethod) {
  std::string markdown = RpcPermissionsMarkdown();
  for (const RpcTableEntry& entry : AllRpcRequirements()) {
    EXPECT_NE(markdown.find(std::string(entry.method.substr(1))), std::string::npos) << entry.method;
  }
  EXPECT_NE(markdown.find("| `build.bazel.remote.execution.v2.ActionCache/GetActionResult` | `ac-read` |"),
            std::string::npos);
}

TEST(RpcPermissionsTest, DocsShowTheCurrentTable) {
  StatusOr<std::string> docs = ReadSmallFile(std::string(KILN_SOURCE_DIR) + "/docs/permissions.md");
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  EXPECT_NE(docs->find(RpcPermissionsMarkdown()), std::string::npos)
      << "docs/permissions.md is out of date: put the output of `kiln auth permissions` in it";
}

}  // namespace
}  // namespace kiln
