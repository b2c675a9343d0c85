// What the remote blob store's batch calls, readers and writers share: the stubs and
// options of one remote CAS, and the translation of gRPC's outcomes into kiln's Status.
// Private to src/client (the remote blob store, and the log stream reader's status).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <string_view>

#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "client/remote_blob_store.h"
#include "common/proto_digest.h"
#include "google/bytestream/bytestream.grpc.pb.h"
#include "kiln/admin/v1/admin.grpc.pb.h"
#include "google/rpc/status.pb.h"

namespace kiln {

// Shared (not owned by the store alone) so that a reader or writer stays valid even if it
// outlives the store that opened it.
struct RemoteCasStubs {
  std::unique_ptr<reapi::ContentAddressableStorage::Stub> cas;
  std::unique_ptr<google::bytestream::ByteStream::Stub> bytestream;
  // Deletes: kiln's admin service (a storage node's; needs `admin` there).
  std::unique_ptr<kiln::admin::v1::AdminService::Stub> admin;
  RemoteBlobStoreOptions options;
};

// Keeps the code and message (the codes are numerically the same); `context` says what was
// being done, e.g. "reading blob X from the remote CAS".
Status FromGrpcStatus(const grpc::Status& status, std::string_view context);
// For the per-blob statuses inside batch responses.
Status FromRpcStatus(const google::rpc::Status& status, std::string_view context);

// A client context whose call must finish within `timeout` from now.
std::unique_ptr<grpc::ClientContext> NewClientContext(Duration timeout);

// A random (version 4) UUID for ByteStream upload names.
std::string NewUploadId();

}  // namespace kiln
