#include "server/remote_assets.h"

#include <filesystem>

#include "asset/curl_downloader.h"
#include "common/file_util.h"

namespace kiln {

// Records under {data_dir}/asset; downloads and unpacked trees under {data_dir}/asset-tmp,
// emptied at start (anything there belongs to fetches a previous process never finished).
StatusOr<std::unique_ptr<RemoteAssets>> StartRemoteAssets(const ServerOptions& options, FileBlobStore* cas,
                                                          const CallAuthorizer* authorizer) {
  auto assets = std::make_unique<RemoteAssets>();
  // Asset records are small (a URI's digest and qualifiers): this holds about a million.
  auto records = DiskRecordStore::Open(options.data_dir + "/asset", options.sync_writes, int64_t{256} << 20);
  if (!records.ok()) return records.status();
  assets->records = std::move(records).value();
  AssetFetcherOptions fetcher_options;
  fetcher_options.temp_dir = options.data_dir + "/asset-tmp";
  fetcher_options.default_timeout = options.asset_fetch_timeout;
  fetcher_options.max_message_bytes = options.max_message_bytes;
  auto file_roots = FileUriRoots::FromDirectories(options.asset_file_roots);
  if (!file_roots.ok()) return file_roots.status();
  fetcher_options.file_roots = std::move(file_roots).value();
  auto destinations = DestinationPolicy::FromFlags(options.asset_allow_private_networks, options.asset_allow_networks);
  if (!destinations.ok()) return destinations.status();
  fetcher_options.destinations = *destinations;
  fetcher_options.archive_limits.max_unpacked_bytes = options.asset_max_unpacked_bytes;
  fetcher_options.archive_limits.max_entries = options.asset_max_archive_entries;
  fetcher_options.archive_limits.max_ratio = options.asset_max_unpack_ratio;
  // Downloads are moved into the CAS, not copied (when asset-tmp is on the CAS's disk).
  fetcher_options.move_downloads = [cas](int dir_fd, const std::string& name, int fd, DigestFunction function) {
    return cas->AdoptFile(dir_fd, name, fd, function);
  };
  std::error_code ignored;
  std::filesystem::remove_all(fetcher_options.temp_dir, ignored);
  KILN_RETURN_IF_ERROR(MakeDirectories(fetcher_options.temp_dir));
  assets->index = std::make_unique<AssetIndex>(
      assets->records.get(), cas, [] { return std::chrono::system_clock::now(); }, options.max_message_bytes);
  assets->downloader = NewCurlDownloader(CurlDownloaderOptions{*destinations});
  assets->git_runner = NewProcessRunner();
  assets->fetcher = std::make_unique<AssetFetcher>(assets->index.get(), cas, assets->downloader.get(),
                                                   assets->git_runner.get(), fetcher_options);
  assets->pool = std::make_unique<BlockingTaskPool>(options.asset_fetch_threads, 1000, "fetches");
  assets->fetch_service = std::make_unique<FetchService>(assets->fetcher.get(), assets->pool.get(), authorizer);
  assets->push_service = std::make_unique<PushService>(assets->index.get(), authorizer);
  return assets;
}

}  // namespace kiln
