// Capabilities: tells clients which digest functions, compressors and limits kiln has.
#pragma once

#include "server/call_authorizer.h"
#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "cas/chunking.h"
#include "common/proto_digest.h"

namespace kiln {

struct CapabilitiesOptions {
  int64_t max_batch_total_size_bytes = 0;
  int64_t max_cas_blob_size_bytes = 0;
  // SplitBlob and SpliceBlob are always served; these are the chunkers' parameters.
  ChunkingConfig chunking;
  // Whether this endpoint serves the Execution API at all. A storage node (CAS and action
  // cache only) returns no ExecutionCapabilities, as REAPI's GetCapabilities asks of such
  // endpoints; a frontend without workers returns them with exec_enabled false.
  bool serves_execution = true;
  bool exec_enabled = false;
};

class CapabilitiesService final : public reapi::Capabilities::CallbackService {
 public:
  CapabilitiesService(const CapabilitiesOptions& options, const CallAuthorizer* authorizer);

  grpc::ServerUnaryReactor* GetCapabilities(grpc::CallbackServerContext* context,
                                            const reapi::GetCapabilitiesRequest* request,
                                            reapi::ServerCapabilities* response) override;

 private:
  reapi::ServerCapabilities capabilities_;
  const CallAuthorizer* authorizer_;
};

}  // namespace kiln
