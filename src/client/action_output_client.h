// The client side of `kiln logs`: follows an operation on a kiln frontend until its live
// output streams are named (or it is done), copies a log stream as it grows, and reads a
// finished action's recorded output from the CAS. All gRPC stays here; the command only
// decides what to print.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "cas/blob_store.h"
#include "client/client_channel.h"
#include "common/status.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

struct OperationProgress {
  reapi::ExecuteOperationMetadata metadata;
  std::optional<reapi::ExecuteResponse> response;  // Set once the operation is done.
};

class ActionOutputClient {
 public:
  // `instance_name` is used for CAS reads.
  ActionOutputClient(const ClientChannelFactory& channels, const std::string& instance_name);
  ~ActionOutputClient();

  // Follows the operation (WaitExecution) until its metadata names its log streams or it
  // is done. NOT_FOUND if the frontend does not know it.
  StatusOr<OperationProgress> WaitForStreamsOrEnd(const std::string& operation);
  // One ByteStream Read of a log stream, each message written to `out` (and flushed) as it
  // arrives, until the writer finalizes the stream. Returns the call's status.
  Status CopyLogStream(const std::string& read_name, std::FILE* out);
  // The frontend's CAS, for recorded output.
  BlobStore& cas();

 private:
  struct Stubs;
  std::unique_ptr<Stubs> stubs_;
};

}  // namespace kiln
