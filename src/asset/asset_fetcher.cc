#include "asset/asset_fetcher.h"

#include <fcntl.h>

#include <cstdlib>
#include <filesystem>

#include "asset/archive_extractor.h"
#include "asset/git_checkout.h"
#include "asset/git_destination.h"
#include "asset/local_git_repository.h"
#include "asset/tree_import.h"
#include "common/file_util.h"
#include "worker/cas_uploader.h"

namespace kiln {
namespace {

// A private directory under the temp dir, removed with everything in it when done.
class ScratchDirectory {
 public:
  static StatusOr<std::unique_ptr<ScratchDirectory>> Create(const std::string& parent) {
    std::string path = parent + "/fetch-XXXXXX";
    if (::mkdtemp(path.data()) == nullptr) return ErrnoStatus("create a directory in", parent, errno);
    return std::unique_ptr<ScratchDirectory>(new ScratchDirectory(std::move(path)));
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

bool LooksLikeGitRepository(const AssetFetchRequest& request, const std::string& uri) {
  if (request.qualifiers.git_requested) return true;
  std::string_view path = std::string_view(uri).substr(0, uri.find_first_of("?#"));
  while (path.ends_with("/")) path.remove_suffix(1);
  return path.ends_with(".git");
}

// Origin errors that are really kiln's own trouble (it could not write its temp files).
bool IsServerFault(const Status& status) {
  return status.code() == StatusCode::kInternal;
}

void AppendKeyField(std::string& key, std::string_view field) {
  key += std::to_string(field.size());
  key += ':';
  key += field;
}

void AppendKeyHeaders(std::string& key, const FetchHeaders& headers) {
  AppendKeyField(key, std::to_string(headers.size()));
  for (const auto& [name, value] : headers) {
    AppendKeyField(key, name);
    AppendKeyField(key, value);
  }
}

// Fetches with equal keys would do the same work from the origins: everything in the
// request but its timeout and oldest_content_accepted. Headers count too (they may carry
// the credentials that make the difference between content and a 403).
std::string FlightKey(const AssetFetchRequest& request) {
  std::string key;
  AppendKeyField(key, request.kind == AssetKind::kBlob ? "blob" : "directory");
  AppendKeyField(key, request.instance_name);
  AppendKeyField(key, DigestFunctionName(request.function));
  AppendKeyField(key, request.qualifiers.identity);
  AppendKeyHeaders(key, request.qualifiers.headers);
  for (const auto& [index, headers] : request.qualifiers.headers_for_uri) {
    AppendKeyField(key, std::to_string(index));
    AppendKeyHeaders(key, headers);
  }
  for (const std::string& uri : request.uris) AppendKeyField(key, uri);
  return key;
}

}  // namespace

StatusOr<AssetFetchResult> AssetFetcher::Fetch(const AssetFetchRequest& request) {
  const AssetScope scope{request.instance_name, request.kind, request.qualifiers.identity};
  auto recorded = ServeRecorded(request, scope);
  if (!recorded.ok()) return recorded.status();
  if (recorded->has_value()) return std::move(**recorded);
  if (!request.qualifiers.unsupported.empty()) return UnsupportedQualifiersError(request.qualifiers.unsupported);
  // With no origin to try, the answer is the call's own NOT_FOUND, as other servers give it
  // and as clients that do not read response.status (BuildStream 1.6) need to see a miss.
  // Errors of real downloads stay in response.status, as the API says.
  if (std::none_of(request.uris.begin(), request.uris.end(), [](const std::string& uri) { return IsDownloadableUri(uri); })) {
    std::string uris;
    for (const std::string& uri : request.uris) {
      if (uris.size() > 1000) {
        uris += ", ...";
        break;
      }
      uris += (uris.empty() ? "" : ", ") + uri;
    }
    return Status::NotFound("nothing usable was pushed for " + uris +
                            ", and kiln fetches only http, https and file URIs from an origin");
  }
  return FetchFromOriginsOnce(request, scope);
}

StatusOr<AssetFetchResult> AssetFetcher::FetchFromOriginsOnce(const AssetFetchRequest& request,
                                                             const AssetScope& scope) {
  const Duration timeout = std::min(request.timeout.value_or(options_.default_timeout), options_.max_timeout);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto shared = flights_.Run(FlightKey(request), index_->Now(), request.oldest_accepted, deadline,
                             [&] { return FetchFromOrigins(request, scope, deadline); });
  if (shared) return std::move(shared).value();
  AssetFetchResult result;
  result.uri = request.uris.back();
  result.status = Status(StatusCode::kDeadlineExceeded,
                         "timed out waiting for an identical fetch another client started (still running)");
  return result;
}

StatusOr<std::optional<AssetFetchResult>> AssetFetcher::ServeRecorded(const AssetFetchRequest& request,
                                                                      const AssetScope& scope) {
  auto served = [](std::string uri, const AssetMapping& mapping) {
    AssetFetchResult result;
    result.uri = std::move(uri);
    result.digest = mapping.digest;
    result.expires_at = mapping.expire_at;
    return std::optional<AssetFetchResult>(std::move(result));
  };
  // A record answers a fetch carrying checksum.sri only if its content matches that
  // checksum (pushed records included); otherwise the fetch goes on as if there were none.
  const std::optional<Sri>& checksum = request.qualifiers.checksum;
  if (auto found = index_->Find(scope, request.uris, request.function, request.oldest_accepted, checksum)) {
    return served(found->uri, found->mapping);
  }
  if (checksum && request.kind == AssetKind::kBlob) {
    // Content is content: a blob fetched or pushed with this checksum from any URI will do.
    if (auto known = index_->FindByChecksum(request.instance_name, *checksum, request.function, request.oldest_accepted)) {
      KILN_RETURN_IF_ERROR(index_->Record(scope, {request.uris.front()}, *known));
      return served(request.uris.front(), *known);
    }
  }
  return std::optional<AssetFetchResult>();
}

StatusOr<AssetFetchResult> AssetFetcher::FetchFromOrigins(const AssetFetchRequest& request, const AssetScope& scope,
                                                          std::chrono::steady_clock::time_point deadline) {
  const WallTime started = index_->Now();
  AssetFetchResult result;
  std::string errors;
  for (size_t i = 0; i < request.uris.size(); ++i) {
    result.uri = request.uris[i];
    const Duration remaining = deadline - std::chrono::steady_clock::now();
    Status origin_error;
    if (remaining <= Duration::zero()) {
      origin_error = Status(StatusCode::kDeadlineExceeded, "not tried: the fetch timeout passed");
    } else {
      auto attempt = FetchFromOrigin(request, static_cast<int>(i), remaining, result);
      if (!attempt.ok()) return attempt.status().WithContext("fetching " + request.uris[i]);
      if (attempt->origin_error.ok()) {
        AssetMapping mapping{attempt->digest, started, std::nullopt, {}, {}, {}};
        // The download (the blob, or the archive a directory came from) was checked against it.
        if (request.qualifiers.checksum) mapping.verified_checksum = request.qualifiers.checksum->ToString();
        KILN_RETURN_IF_ERROR(index_->Record(scope, {request.uris[i]}, mapping));
        if (request.qualifiers.checksum && request.kind == AssetKind::kBlob) {
          KILN_RETURN_IF_ERROR(index_->RecordChecksum(request.instance_name, *request.qualifiers.checksum, mapping));
        }
        result.status = Status::Ok();  // Earlier URIs' failures no longer matter.
        result.digest = attempt->digest;
        return result;
      }
      origin_error = attempt->origin_error;
    }
    errors += (errors.empty() ? "" : "; ") + request.uris[i] + ": " + origin_error.message();
    result.status = Status(origin_error.code(), errors);
    if (origin_error.code() == StatusCode::kCancelled) break;
  }
  return result;
}

StatusOr<AssetFetcher::Attempt> AssetFetcher::FetchFromOrigin(const AssetFetchRequest& request, int uri_index,
                                                              Duration timeout, AssetFetchResult& result) {
  DownloadRequest download;
  download.uri = request.uris[uri_index];
  download.headers = HeadersForUri(request.qualifiers, uri_index);
  download.timeout = timeout;
  if (!IsDownloadableUri(download.uri)) {
    return Attempt{{}, Status::NotFound(
                           "nothing usable was pushed for this URI, and kiln fetches only http, https and file URIs")};
  }
  if (stopping_) return Attempt{{}, Status::Cancelled("the server is shutting down")};
  if (IsFileUri(download.uri)) {
    // Read the resolved path, not the URI: what was checked is what is read (by libcurl
    // or git, which both decode the escapes FileUriForPath adds).
    auto path = options_.file_roots.Resolve(download.uri);
    if (!path.ok()) return Attempt{{}, path.status()};
    if (request.kind == AssetKind::kDirectory && LooksLikeGitRepository(request, download.uri)) {
      // git would also read what the repository itself points to.
      if (Status inside = CheckLocalGitRepository(*path, options_.file_roots); !inside.ok()) return Attempt{{}, inside};
    }
    download.uri = FileUriForPath(*path);
  }
  return request.kind == AssetKind::kBlob ? FetchBlob(request, download) : FetchDirectory(request, download, result);
}

StatusOr<AssetFetcher::Attempt> AssetFetcher::FetchBlob(const AssetFetchRequest& request,
                                                        const DownloadRequest& download) {
  const TempFileName name = options_.move_downloads ? TempFileName::kKept : TempFileName::kUnlinked;
  auto file = DownloadVerified(downloader_, download, request.function, request.qualifiers.checksum,
                               options_.temp_dir, name, stopping_);
  if (!file.ok()) {
    if (IsServerFault(file.status())) return file.status();
    return Attempt{{}, file.status()};
  }
  KILN_RETURN_IF_ERROR(StoreDownload(*file, request.function));
  return Attempt{file->digest, Status::Ok()};
}

Status AssetFetcher::StoreDownload(DownloadedFile& file, DigestFunction function) {
  if (options_.move_downloads && !file.path.get().empty()) {
    auto moved = options_.move_downloads(AT_FDCWD, file.path.get(), file.fd.get(), function);
    if (!moved.ok()) return moved.status().WithContext("moving the download into the CAS");
    if (moved->has_value()) {
      file.path.Release();  // Its name is the CAS's now.
      // The store hashed the file again; only a writer kiln does not know of could differ.
      if (**moved != file.digest) return Status::Internal("the download changed while it was moved into the CAS");
      return Status::Ok();
    }
  }
  CasUploader uploader(cas_, function);
  return uploader.UploadFileWithDigest(file.fd.get(), file.digest, "the download");
}

StatusOr<AssetFetcher::Attempt> AssetFetcher::FetchDirectory(const AssetFetchRequest& request,
                                                             const DownloadRequest& download,
                                                             AssetFetchResult& result) {
  auto scratch = ScratchDirectory::Create(options_.temp_dir);
  if (!scratch.ok()) return scratch.status();
  const std::string tree = (*scratch)->path() + "/tree";
  Status origin_status;
  if (LooksLikeGitRepository(request, download.uri)) {
    GitCheckoutRequest checkout{WithFileAuthority(download.uri), request.qualifiers.vcs_branch,
                                request.qualifiers.vcs_commit, download.timeout, {}};
    auto pinned = GitDestinationConfig(checkout.uri, options_.destinations);
    if (pinned.ok()) {
      checkout.config = std::move(pinned).value();
      auto commit = GitCheckout(*git_runner_, checkout, (*scratch)->path(), stopping_);
      if (commit.ok()) result.qualifiers.emplace_back("vcs.commit", *commit);
      origin_status = commit.status();
    } else {
      origin_status = pinned.status();
    }
  } else {
    auto archive = DownloadVerified(downloader_, download, request.function, request.qualifiers.checksum,
                                    options_.temp_dir, TempFileName::kUnlinked, stopping_);
    origin_status = archive.status();
    if (archive.ok()) {
      KILN_RETURN_IF_ERROR(MakeDirectories(tree));
      // On failure the partial tree goes with the scratch directory, when this returns.
      origin_status = ExtractArchive(archive->fd.get(), tree, options_.archive_limits);
    }
  }
  if (IsServerFault(origin_status)) return origin_status;
  if (!origin_status.ok()) return Attempt{{}, origin_status};
  auto root = ImportDirectoryTree(*cas_, request.function, tree, options_.max_message_bytes);
  // A directory too big to be one message is the origin's content, not kiln's failure.
  if (root.status().code() == StatusCode::kFailedPrecondition) return Attempt{{}, root.status()};
  if (!root.ok()) return root.status();
  return Attempt{std::move(root).value(), Status::Ok()};
}

}  // namespace kiln
