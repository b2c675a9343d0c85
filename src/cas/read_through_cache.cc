#include "cas/read_through_cache.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "common/hasher.h"

namespace kiln {

namespace {

// Copy granularity between the stores: bounded memory, few calls per blob.
constexpr size_t kCopyChunkBytes = 1024 * 1024;

// The local writer refuses bytes that do not match the digest: here that means the remote
// store served bad data, which is data loss, not a caller's invalid argument.
Status BlameRemote(const Status& status, std::string_view context) {
  if (status.code() == StatusCode::kInvalidArgument) return Status::DataLoss(status.message()).WithContext(context);
  return status.WithContext(context);
}

// Streams `digest` from `reader` into `writer` and commits it.
Status CopyBlob(BlobReader& reader, BlobWriter& writer, const Digest& digest) {
  std::string buffer(static_cast<size_t>(std::clamp<int64_t>(digest.size(), 1, kCopyChunkBytes)), '\0');
  while (true) {
    auto n = reader.Read(buffer.data(), buffer.size());
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    KILN_RETURN_IF_ERROR(writer.Write(std::string_view(buffer.data(), *n)));
  }
  return writer.Commit();
}

}  // namespace

struct ReadThroughCache::Fetch {
  bool done = false;
  Status status;
};

ReadThroughCache::ReadThroughCache(std::unique_ptr<DiskBlobStore> local, BlobStore* remote)
    : local_(std::move(local)), remote_(remote) {}

ReadThroughCache::~ReadThroughCache() = default;

Status ReadThroughCache::EnsureLocal(const Digest& digest) {
  // FindMissing also pins a present blob until it has been hardlinked.
  if (local_->FindMissing({digest}).empty()) return Status::Ok();
  std::shared_ptr<Fetch> fetch;
  {
    std::unique_lock lock(mutex_);
    auto [it, first] = fetches_.try_emplace(digest, nullptr);
    if (!first) {
      fetch = it->second;
      fetch_done_.wait(lock, [&] { return fetch->done; });
      return fetch->status;
    }
    fetch = it->second = std::make_shared<Fetch>();
  }
  // Another caller's fetch may have finished between our first look and the claim.
  Status status = local_->FindMissing({digest}).empty() ? Status::Ok() : FetchFromRemote(digest);
  {
    std::lock_guard lock(mutex_);
    fetch->status = status;
    fetch->done = true;
    fetches_.erase(digest);
  }
  fetch_done_.notify_all();
  return status;
}

Status ReadThroughCache::FetchFromRemote(const Digest& digest) {
  const std::string context = "fetching blob " + digest.ToString() + " into the local cache";
  auto reader = remote_->OpenRead(digest, 0);
  if (!reader.ok()) return reader.status();
  auto writer = local_->OpenWrite(digest);
  if (!writer.ok()) return writer.status().WithContext(context);
  KILN_RETURN_IF_ERROR(BlameRemote(CopyBlob(**reader, **writer, digest), context));
  // Pin the new copy; it is gone already only if pinned blobs fill the whole budget.
  if (!local_->FindMissing({digest}).empty()) {
    return Status::ResourceExhausted(context + ": the local cache is full of blobs in use");
  }
  return Status::Ok();
}

std::vector<StatusOr<std::string>> ReadThroughCache::ReadBlobs(const std::vector<Digest>& digests) {
  std::vector<StatusOr<std::string>> blobs(digests.size(), Status::Ok());
  // Asking pins the local copies for the grace period, so they stay until read.
  const std::vector<Digest> missing = local_->FindMissing(digests);
  const std::unordered_set<Digest, DigestHash> absent(missing.begin(), missing.end());
  std::vector<Digest> fetch;
  std::vector<size_t> fetched_for;  // Per digest of `fetch`: its index in `digests`.
  for (size_t i = 0; i < digests.size(); ++i) {
    if (!absent.contains(digests[i])) {
      blobs[i] = ReadBlob(*local_, digests[i]);
      if (blobs[i].ok() || blobs[i].status().code() != StatusCode::kNotFound) continue;
    }
    fetch.push_back(digests[i]);
    fetched_for.push_back(i);
  }
  if (fetch.empty()) return blobs;
  std::vector<StatusOr<std::string>> fetched = remote_->ReadBlobs(fetch);
  for (size_t k = 0; k < fetch.size(); ++k) {
    StatusOr<std::string>& blob = blobs[fetched_for[k]];
    blob = k < fetched.size() ? std::move(fetched[k]) : Status::Internal("the remote store answered for fewer blobs");
    if (!blob.ok()) continue;
    Status kept = KeepFetched(fetch[k], *blob);
    if (!kept.ok()) blob = kept;
  }
  return blobs;
}

Status ReadThroughCache::KeepFetched(const Digest& digest, const std::string& data) {
  const std::string context = "fetching blob " + digest.ToString() + " into the local cache";
  Status written = WriteBlob(*local_, digest, data);
  if (written.ok()) return written;
  if (written.code() == StatusCode::kInvalidArgument) return BlameRemote(written, context);
  // The cache could not keep it (full of blobs in use): serve it anyway, once checked.
  if (ComputeDigest(digest.function(), data) != digest) {
    return Status::DataLoss("the remote store sent bytes that do not match the digest").WithContext(context);
  }
  return Status::Ok();
}

Status ReadThroughCache::UploadFromLocal(const Digest& digest) {
  const std::string context = "uploading blob " + digest.ToString() + " from the local cache";
  auto missing = remote_->FindMissingOrError({digest});
  if (!missing.ok()) return missing.status().WithContext(context);
  if (missing->empty()) return Status::Ok();
  auto reader = local_->OpenRead(digest, 0);
  if (!reader.ok()) return reader.status().WithContext(context);
  auto writer = remote_->OpenWrite(digest);
  if (!writer.ok()) return writer.status().WithContext(context);
  return CopyBlob(**reader, **writer, digest).WithContext(context);
}

std::string ReadThroughCache::VerifiedPathFor(const Digest& digest) {
  return EnsureLocal(digest).ok() ? local_->VerifiedPathFor(digest) : std::string();
}

StatusOr<std::optional<Digest>> ReadThroughCache::AdoptFile(int dir_fd, const std::string& name, int fd,
                                                            DigestFunction function) {
  auto adopted = local_->AdoptFile(dir_fd, name, fd, function);
  if (!adopted.ok() || !adopted->has_value()) return adopted;
  // The file is the local store's now: whatever happens next, the caller cannot copy it
  // instead, so a failed upload is the caller's error.
  KILN_RETURN_IF_ERROR(UploadFromLocal(**adopted));
  return adopted;
}

StatusOr<std::vector<Digest>> ReadThroughCache::FindMissingOrError(const std::vector<Digest>& digests) {
  return remote_->FindMissingOrError(digests);
}

std::vector<Digest> ReadThroughCache::FindMissing(const std::vector<Digest>& digests) {
  return remote_->FindMissing(digests);
}

StatusOr<std::unique_ptr<BlobReader>> ReadThroughCache::OpenRead(const Digest& digest, int64_t offset) {
  if (offset < 0 || offset > digest.size()) {
    return Status::OutOfRange("offset " + std::to_string(offset) + " is outside blob " + digest.ToString());
  }
  KILN_RETURN_IF_ERROR(EnsureLocal(digest));
  return local_->OpenRead(digest, offset);
}

StatusOr<std::unique_ptr<BlobWriter>> ReadThroughCache::OpenWrite(const Digest& digest) {
  return remote_->OpenWrite(digest);
}

Status ReadThroughCache::Delete(const Digest& digest) {
  Status remote = remote_->Delete(digest);
  if (!remote.ok() && remote.code() != StatusCode::kNotFound) return remote;
  Status local = local_->Delete(digest);
  if (!local.ok() && local.code() != StatusCode::kNotFound) return local;
  return remote.ok() || local.ok() ? Status::Ok() : remote;
}

}  // namespace kiln
