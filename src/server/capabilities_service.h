// Capabilities: tells clients which digest functions, compressors and limits kiln has.
#pragma once

#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "common/proto_digest.h"

namespace kiln {

struct CapabilitiesOptions {
  int64_t max_batch_total_size_bytes = 0;
  int64_t max_cas_blob_size_bytes = 0;
  bool exec_enabled = false;
};

class CapabilitiesService final : public reapi::Capabilities::CallbackService {
 public:
  explicit CapabilitiesService(const CapabilitiesOptions& options);

  grpc::ServerUnaryReactor* GetCapabilities(grpc::CallbackServerContext* context,
                                            const reapi::GetCapabilitiesRequest* request,
                                            reapi::ServerCapabilities* response) override;

 private:
  reapi::ServerCapabilities capabilities_;
};

}  // namespace kiln
