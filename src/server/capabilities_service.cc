#include "server/rpc_methods.h"
#include "server/capabilities_service.h"

#include <climits>

#include "common/proto_compression.h"
#include "common/resource_name.h"
#include "server/grpc_status.h"

namespace kiln {

// Highest REAPI version whose features kiln implements: 2.12 (v2.12.0, February 2026), with
// every field added since 2.3 honoured -- digest_function everywhere, inlined Execute
// outputs, max_cas_blob_size_bytes, the resource-name header, the DEFLATE and BROTLI
// compressors, SplitBlob/SpliceBlob with both chunking functions, BLAKE3 and GITSHA1. The
// low version stays 2.0: nothing kiln serves requires a newer client.
constexpr int kHighApiMinor = 12;

CapabilitiesService::CapabilitiesService(const CapabilitiesOptions& options, const CallAuthorizer* authorizer)
    : authorizer_(authorizer) {
  auto* cache = capabilities_.mutable_cache_capabilities();
  for (DigestFunction function : kAllDigestFunctions) cache->add_digest_functions(ToProto(function));
  cache->mutable_action_cache_update_capabilities()->set_update_enabled(true);
  cache->set_max_batch_total_size_bytes(options.max_batch_total_size_bytes);
  cache->set_max_cas_blob_size_bytes(options.max_cas_blob_size_bytes);
  cache->set_symlink_absolute_path_strategy(reapi::SymlinkAbsolutePathStrategy::ALLOWED);
  for (Compression compression : kServedCompressions) {
    cache->add_supported_compressors(ToProto(compression));
    cache->add_supported_batch_update_compressors(ToProto(compression));
  }
  // Both chunking functions, so that clients of either kind find their chunks here.
  cache->set_split_blob_support(true);
  cache->set_splice_blob_support(true);
  cache->mutable_fast_cdc_2020_params()->set_avg_chunk_size_bytes(options.chunking.fast_cdc_avg_bytes);
  cache->mutable_fast_cdc_2020_params()->set_seed(options.chunking.fast_cdc_seed);
  cache->mutable_rep_max_cdc_params()->set_min_chunk_size_bytes(options.chunking.rep_max_min_bytes);
  cache->mutable_rep_max_cdc_params()->set_horizon_size_bytes(options.chunking.rep_max_horizon_bytes);

  if (options.serves_execution) {
    auto* execution = capabilities_.mutable_execution_capabilities();
    execution->set_digest_function(reapi::DigestFunction::SHA256);
    execution->set_exec_enabled(options.exec_enabled);
    for (DigestFunction function : kAllDigestFunctions) execution->add_digest_functions(ToProto(function));
    // Any int32 is a valid priority: lower runs sooner, 0 is the default.
    auto* priorities = execution->mutable_execution_priority_capabilities()->add_priorities();
    priorities->set_min_priority(INT32_MIN);
    priorities->set_max_priority(INT32_MAX);
    // Input node properties the workers apply when staging.
    execution->add_supported_node_properties("unix_mode");
    execution->add_supported_node_properties("mtime");
  }

  capabilities_.mutable_low_api_version()->set_major(2);
  capabilities_.mutable_high_api_version()->set_major(2);
  capabilities_.mutable_high_api_version()->set_minor(kHighApiMinor);
}

grpc::ServerUnaryReactor* CapabilitiesService::GetCapabilities(grpc::CallbackServerContext* context,
                                                               const reapi::GetCapabilitiesRequest* request,
                                                               reapi::ServerCapabilities* response) {
  auto caller = authorizer_->Check(*context, rpc::kGetCapabilities, request->instance_name());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  Status valid = ValidateInstanceName(request->instance_name());
  if (!valid.ok()) return FinishUnary(context, valid);
  // update_enabled stays true whoever asks: Bazel 4 refuses to build at all with
  // --remote_upload_local_results when it is false, while a refused upload is only a
  // warning to it. A caller without ac-write finds out per call (PERMISSION_DENIED).
  *response = capabilities_;
  return FinishUnary(context, Status::Ok());
}

}  // namespace kiln
