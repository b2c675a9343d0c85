// The Remote Asset API's two services as thin adapters: requests are validated and turned
// into core requests here, the work is done by AssetFetcher and AssetIndex (src/asset).
// Fetches block on the network, so they run on a BlockingTaskPool and finish their
// reactor from there; a fetch whose client gave up (deadline, cancel) still runs to its
// own timeout and is remembered, as the spec asks. Pushes only touch local storage and
// run inline.
#pragma once

#include "metrics/metric_family.h"
#include "server/call_authorizer.h"
#include "asset/asset_fetcher.h"
#include "asset/asset_push.h"
#include "common/blocking_task_pool.h"
#include "build/bazel/remote/asset/v1/remote_asset.grpc.pb.h"

namespace kiln {

class FetchService final : public asset_proto::Fetch::CallbackService {
 public:
  FetchService(AssetFetcher* fetcher, BlockingTaskPool* pool, const CallAuthorizer* authorizer)
      : fetcher_(fetcher), pool_(pool), authorizer_(authorizer) {}

  // Counts each fetch by kind (blob, directory) and outcome: "ok", "origin_failed" (no
  // origin could provide it), or the error's code. Set before serving; null: not counted.
  void set_fetch_counter(metrics::Family<metrics::Counter>* fetches) { fetches_ = fetches; }

  grpc::ServerUnaryReactor* FetchBlob(grpc::CallbackServerContext* context, const asset_proto::FetchBlobRequest* request,
                                      asset_proto::FetchBlobResponse* response) override;
  grpc::ServerUnaryReactor* FetchDirectory(grpc::CallbackServerContext* context,
                                           const asset_proto::FetchDirectoryRequest* request,
                                           asset_proto::FetchDirectoryResponse* response) override;

 private:
  AssetFetcher* fetcher_;
  BlockingTaskPool* pool_;
  const CallAuthorizer* authorizer_;
  metrics::Family<metrics::Counter>* fetches_ = nullptr;
};

class PushService final : public asset_proto::Push::CallbackService {
 public:
  PushService(AssetIndex* index, const CallAuthorizer* authorizer) : index_(index), authorizer_(authorizer) {}

  grpc::ServerUnaryReactor* PushBlob(grpc::CallbackServerContext* context, const asset_proto::PushBlobRequest* request,
                                     asset_proto::PushBlobResponse* response) override;
  grpc::ServerUnaryReactor* PushDirectory(grpc::CallbackServerContext* context,
                                          const asset_proto::PushDirectoryRequest* request,
                                          asset_proto::PushDirectoryResponse* response) override;

 private:
  AssetIndex* index_;
  const CallAuthorizer* authorizer_;
};

}  // namespace kiln
