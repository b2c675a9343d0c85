#include "client/remote_action_cache.h"

#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "client/remote_blob_rpc.h"
#include "kiln/admin/v1/admin.grpc.pb.h"

namespace kiln {
namespace {

class RemoteActionCache final : public ActionCache {
 public:
  RemoteActionCache(std::shared_ptr<grpc::Channel> channel, const RemoteActionCacheOptions& options)
      : stub_(reapi::ActionCache::NewStub(channel)),
        admin_(kiln::admin::v1::AdminService::NewStub(channel)),
        options_(options) {}

  StatusOr<reapi::ActionResult> Get(const std::string& instance_name, const Digest& action_digest,
                                    const InlineRequest& inline_request) override {
    reapi::GetActionResultRequest request;
    request.set_instance_name(instance_name);
    *request.mutable_action_digest() = ToProto(action_digest);
    request.set_digest_function(ToProto(action_digest.function()));
    request.set_inline_stdout(inline_request.stdout_raw);
    request.set_inline_stderr(inline_request.stderr_raw);
    for (const std::string& path : inline_request.output_files) request.add_inline_output_files(path);
    reapi::ActionResult result;
    auto context = NewClientContext(options_.rpc_timeout);
    KILN_RETURN_IF_ERROR(FromGrpcStatus(stub_->GetActionResult(context.get(), request, &result),
                                        "looking up action " + action_digest.ToString() + " in the storage node's cache"));
    return result;
  }

  Status Put(const std::string& instance_name, const Digest& action_digest, const reapi::ActionResult& result) override {
    reapi::UpdateActionResultRequest request;
    request.set_instance_name(instance_name);
    *request.mutable_action_digest() = ToProto(action_digest);
    request.set_digest_function(ToProto(action_digest.function()));
    *request.mutable_action_result() = result;
    reapi::ActionResult response;
    auto context = NewClientContext(options_.rpc_timeout);
    return FromGrpcStatus(stub_->UpdateActionResult(context.get(), request, &response),
                          "storing the result of action " + action_digest.ToString() + " in the storage node's cache");
  }

  // Through the storage node's admin service (needs `admin` there).
  Status Delete(const std::string& instance_name, const Digest& action_digest) override {
    kiln::admin::v1::ActionResultRequest request;
    request.set_instance_name(instance_name);
    request.set_digest_function(ToProto(action_digest.function()));
    *request.mutable_action_digest() = ToProto(action_digest);
    kiln::admin::v1::DeleteActionResultResponse response;
    auto context = NewClientContext(options_.rpc_timeout);
    return FromGrpcStatus(admin_->DeleteActionResult(context.get(), request, &response),
                          "deleting the result of action " + action_digest.ToString() + " from the storage node's cache");
  }

  void InlineContents(reapi::ActionResult& result, const InlineRequest& inline_request, DigestFunction function) override {
    InlineResultContents(*options_.inline_cas, options_.max_inline_bytes, result, inline_request, function);
  }

 private:
  std::unique_ptr<reapi::ActionCache::Stub> stub_;
  std::unique_ptr<kiln::admin::v1::AdminService::Stub> admin_;
  const RemoteActionCacheOptions options_;
};

}  // namespace

std::unique_ptr<ActionCache> NewRemoteActionCache(std::shared_ptr<grpc::Channel> channel,
                                                  const RemoteActionCacheOptions& options) {
  return std::make_unique<RemoteActionCache>(std::move(channel), options);
}

}  // namespace kiln
