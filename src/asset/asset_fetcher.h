// The Fetch half of the Remote Asset API, without gRPC: serve a remembered mapping when
// one is usable (asset_index.h), else fetch from origin, trying the URIs in order, and
// remember what was fetched so the next request is served from the CAS.
//
//   blob       http/https/file download, checked against checksum.sri, stored as a blob
//   directory  a git checkout (vcs.* qualifiers, resource_type application/x-git, or a
//              URI ending in .git), else a downloaded archive, unpacked; stored as a tree
//
// Error split, as the spec asks: problems with the request are the returned Status
// (INVALID_ARGUMENT for unsupported qualifiers); problems reaching or using the origin
// (404, timeouts, bad checksums, malformed archives; PERMISSION_DENIED for a destination
// the policy refuses, RESOURCE_EXHAUSTED for an archive beyond the limits) go in
// FetchResult::status, with the URIs named; failures of kiln's own storage are the
// returned Status again. Fetches block: callers run them off their RPC threads.
// Thread-safe.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "asset/archive_extractor.h"
#include "asset/asset_index.h"
#include "asset/destination_policy.h"
#include "asset/downloader.h"
#include "asset/rooted_downloader.h"
#include "asset/file_uri_roots.h"
#include "asset/qualifiers.h"
#include "asset/single_flight.h"
#include "asset/verified_download.h"
#include "worker/cas_uploader.h"
#include "worker/runner.h"

namespace kiln {

struct AssetFetcherOptions {
  std::string temp_dir;  // For downloads and unpacked trees; must exist.
  Duration default_timeout = std::chrono::minutes(10);  // When the request sets none.
  Duration max_timeout = std::chrono::hours(1);         // Longer requested timeouts are clamped.
  FileUriRoots file_roots;  // Where file URIs (downloads and git remotes) may read.
  // Where git fetches over http(s) may connect (downloads: the downloader's own policy).
  DestinationPolicy destinations;
  ArchiveLimits archive_limits;  // What a FetchDirectory archive may unpack to.
  // Moves a verified download (named in temp_dir) into the CAS instead of copying it, when
  // the CAS can take it (a DiskBlobStore on the same filesystem). Unset: always copied.
  OutputMover move_downloads;
  // A fetched directory with a Directory message over this is refused (FAILED_PRECONDITION).
  int64_t max_message_bytes = kDefaultMaxMessageBytes;
};

struct AssetFetchRequest {
  AssetKind kind = AssetKind::kBlob;
  std::string instance_name;
  std::vector<std::string> uris;  // At least one.
  ParsedQualifiers qualifiers;
  DigestFunction function = DigestFunction::kSha256;
  std::optional<Duration> timeout;
  std::optional<WallTime> oldest_accepted;
};

struct AssetFetchResult {
  Status status;    // OK, or why the origin could not provide the content.
  std::string uri;  // The URI served, or the last one that failed.
  Digest digest;    // The blob or root Directory when status is OK.
  std::optional<WallTime> expires_at;
  std::vector<std::pair<std::string, std::string>> qualifiers;  // Learnt, e.g. vcs.commit.
};

class AssetFetcher {
 public:
  AssetFetcher(AssetIndex* index, BlobStore* cas, Downloader* downloader, Runner* git_runner,
               AssetFetcherOptions options)
      : index_(index),
        cas_(cas),
        git_runner_(git_runner),
        options_(std::move(options)),
        downloader_(downloader, &options_.file_roots) {}

  StatusOr<AssetFetchResult> Fetch(const AssetFetchRequest& request);
  // Makes running and later fetches from origin give up promptly (server shutdown).
  void Stop() { stopping_ = true; }
  // Fetches waiting right now for an identical one another caller started (for tests).
  int fetches_waiting() const { return flights_.waiting(); }

 private:
  // A usable record for one of the URIs, or for the checksum; nullopt if there is none.
  StatusOr<std::optional<AssetFetchResult>> ServeRecorded(const AssetFetchRequest& request, const AssetScope& scope);
  // FetchFromOrigins, shared with identical fetches running at the same time.
  StatusOr<AssetFetchResult> FetchFromOriginsOnce(const AssetFetchRequest& request, const AssetScope& scope);
  // Tries the URIs in order until `deadline`; records the first success.
  StatusOr<AssetFetchResult> FetchFromOrigins(const AssetFetchRequest& request, const AssetScope& scope,
                                              std::chrono::steady_clock::time_point deadline);
  // One try at one URI: the content, or why the origin could not provide it. A non-OK
  // StatusOr is kiln's own failure (storage), which ends the whole fetch.
  struct Attempt {
    Digest digest;
    Status origin_error;
  };
  StatusOr<Attempt> FetchFromOrigin(const AssetFetchRequest& request, int uri_index, Duration timeout,
                                    AssetFetchResult& result);
  StatusOr<Attempt> FetchBlob(const AssetFetchRequest& request, const DownloadRequest& download);
  // Puts a verified download into the CAS: moved when move_downloads takes it, else copied.
  Status StoreDownload(DownloadedFile& file, DigestFunction function);
  StatusOr<Attempt> FetchDirectory(const AssetFetchRequest& request, const DownloadRequest& download,
                                   AssetFetchResult& result);

  AssetIndex* index_;
  BlobStore* cas_;
  Runner* git_runner_;
  const AssetFetcherOptions options_;
  // The given downloader for the network; file URIs are read here, from the roots.
  RootedDownloader downloader_;
  std::atomic<bool> stopping_{false};
  SingleFlight<StatusOr<AssetFetchResult>> flights_;
};

}  // namespace kiln
