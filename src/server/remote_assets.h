// A server's Remote Asset API: the URI -> digest records under {data_dir}/asset, the fetch
// machinery (downloads, git, archive unpacking, the destination policy) and the two
// services over them, started together from the server's options.
#pragma once

#include <memory>

#include "ac/record_store.h"
#include "asset/asset_fetcher.h"
#include "cas/file_blob_store.h"
#include "common/blocking_task_pool.h"
#include "server/asset_service.h"
#include "server/call_authorizer.h"
#include "server/kiln_server.h"
#include "worker/runner.h"

namespace kiln {

// Remote Asset API: the mapping records, the fetch machinery and the two services.
struct RemoteAssets {
  std::unique_ptr<DiskRecordStore> records;
  std::unique_ptr<AssetIndex> index;
  std::unique_ptr<Downloader> downloader;
  std::unique_ptr<Runner> git_runner;
  std::unique_ptr<AssetFetcher> fetcher;
  std::unique_ptr<BlockingTaskPool> pool;
  std::unique_ptr<FetchService> fetch_service;
  std::unique_ptr<PushService> push_service;
};

// Records under {data_dir}/asset; downloads and unpacked trees under {data_dir}/asset-tmp,
// emptied at start (anything there belongs to fetches a previous process never finished).
StatusOr<std::unique_ptr<RemoteAssets>> StartRemoteAssets(const ServerOptions& options, FileBlobStore* cas,
                                                          const CallAuthorizer* authorizer);

}  // namespace kiln
