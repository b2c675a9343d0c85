#include "cas/disk_blob_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <iostream>
#include <utility>

#include "cas/digest_verifier.h"
#include "cas/direct_file_writer.h"
#include "cas/file_blob_reader.h"
#include "cas/file_identity.h"
#include "cas/verifying_blob_reader.h"
#include "common/file_util.h"

namespace kiln {
namespace fs = std::filesystem;

namespace {

// Uploads in progress, beside their blob's final place; never a valid hash.
constexpr char kTempPrefix[] = ".tmp-";

// Coalesces small client chunks (Bazel sends 16 KiB) into fewer write() calls.
constexpr size_t kWriteBufferBytes = 256 * 1024;

}  // namespace

class DiskBlobStore::Writer final : public BlobWriter {
 public:
  Writer(DiskBlobStore* store, const Digest& digest, std::string temp_path, UniqueFd fd,
         StagingBufferPool::Lease direct_buffer)
      : store_(store), digest_(digest), verifier_(digest), temp_path_(std::move(temp_path)), fd_(std::move(fd)) {
    if (direct_buffer) {
      direct_.emplace(fd_.get(), temp_path_, std::move(direct_buffer), &store->staging_buffers_,
                      &store->io_threads_);
    } else {
      buffer_.reserve(std::min<size_t>(kWriteBufferBytes, static_cast<size_t>(digest.size())));
    }
  }
  ~Writer() override {
    if (!committed_) ::unlink(temp_path_.c_str());
  }

  Status Write(std::string_view data) override {
    KILN_RETURN_IF_ERROR(failed_);
    if (direct_) {
      // Hashed and staged in steps that stay in the CPU cache, so that the staging copy
      // reads what hashing has just brought in rather than main memory again.
      constexpr size_t kStep = 128 * 1024;
      for (size_t offset = 0; offset < data.size() && failed_.ok(); offset += kStep) {
        const std::string_view step = data.substr(offset, kStep);
        failed_ = verifier_.Update(step);
        if (failed_.ok()) failed_ = direct_->Write(step);
      }
      return failed_;
    }
    failed_ = verifier_.Update(data);
    KILN_RETURN_IF_ERROR(failed_);
    if (buffer_.size() + data.size() > kWriteBufferBytes) {
      failed_ = Flush();
      KILN_RETURN_IF_ERROR(failed_);
      if (data.size() >= kWriteBufferBytes) {
        failed_ = WriteAll(fd_.get(), data);
        return failed_;
      }
    }
    buffer_.append(data);
    return Status::Ok();
  }

  int64_t bytes_written() const override { return verifier_.bytes_seen(); }

  Status Commit() override {
    KILN_RETURN_IF_ERROR(failed_);
    KILN_RETURN_IF_ERROR(verifier_.Finish());
    KILN_RETURN_IF_ERROR(Flush());
    if (store_->options_.sync_writes && ::fdatasync(fd_.get()) != 0) return ErrnoStatus("fdatasync", temp_path_, errno);
    KILN_RETURN_IF_ERROR(fd_.Close());
    KILN_RETURN_IF_ERROR(store_->Publish(temp_path_, digest_));
    committed_ = true;
    return Status::Ok();
  }

 private:
  Status Flush() {
    if (direct_) return direct_->Finish().WithContext("writing blob " + digest_.ToString());
    Status status = WriteAll(fd_.get(), buffer_);
    buffer_.clear();
    return status.WithContext("writing blob " + digest_.ToString());
  }

  DiskBlobStore* store_;
  Digest digest_;
  DigestVerifier verifier_;
  std::string temp_path_;
  UniqueFd fd_;
  std::optional<DirectFileWriter> direct_;  // Large blobs; the others coalesce in buffer_.
  std::string buffer_;
  Status failed_;
  bool committed_ = false;
};

// For a blob the store already has: checks the bytes against the digest, as an upload must
// be, but writes nothing. Writing would create a file only to rename it over an identical
// one; on ext4 the churn of inodes so freed makes every later file creation slower.
class PresentBlobWriter final : public BlobWriter {
 public:
  explicit PresentBlobWriter(const Digest& digest) : verifier_(digest) {}
  Status Write(std::string_view data) override { return verifier_.Update(data); }
  int64_t bytes_written() const override { return verifier_.bytes_seen(); }
  Status Commit() override { return verifier_.Finish(); }

 private:
  DigestVerifier verifier_;
};

DiskBlobStore::DiskBlobStore(const DiskBlobStoreOptions& options, const Clock* clock)
    : options_(options), temp_dir_(options.root + "/tmp"), index_(clock, options.grace_period) {}

StatusOr<std::unique_ptr<DiskBlobStore>> DiskBlobStore::Open(const DiskBlobStoreOptions& options, const Clock* clock) {
  if (options.max_bytes <= 0) return Status::InvalidArgument("the CAS size budget must be positive");
  std::unique_ptr<DiskBlobStore> store(new DiskBlobStore(options, clock));
  KILN_RETURN_IF_ERROR(MakeDirectories(options.root));
  const std::string lock_path = options.root + "/lock";
  store->lock_ = UniqueFd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!store->lock_.valid()) return ErrnoStatus("open", lock_path, errno);
  if (::flock(store->lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::FailedPrecondition("another kiln process is using the data directory " + options.root);
    }
    return ErrnoStatus("lock", lock_path, errno);
  }
  // Anything in tmp/ is an upload that never committed: it was never visible, so drop it.
  std::error_code error;
  fs::remove_all(store->temp_dir_, error);
  if (error) return Status::Internal("clearing " + store->temp_dir_ + ": " + error.message());
  KILN_RETURN_IF_ERROR(MakeDirectories(store->temp_dir_));
  for (DigestFunction function : kAllDigestFunctions) {
    const std::string function_dir = options.root + "/cas/" + std::string(DigestFunctionName(function));
    KILN_RETURN_IF_ERROR(MakeDirectories(function_dir));
    UniqueFd& fd = store->function_dirs_[static_cast<size_t>(function)];
    fd = UniqueFd(::open(function_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoStatus("open", function_dir, errno);
  }
  KILN_RETURN_IF_ERROR(store->LoadExistingBlobs());
  return store;
}

Status DiskBlobStore::LoadExistingBlobs() {
  struct Found {
    Digest digest;
    int64_t mtime_ns;
  };
  std::vector<Found> found;
  for (DigestFunction function : kAllDigestFunctions) {
    const std::string function_dir = options_.root + "/cas/" + std::string(DigestFunctionName(function));
    std::error_code error;
    if (!fs::is_directory(function_dir, error)) continue;
    for (const auto& shard : fs::directory_iterator(function_dir, error)) {
      for (const auto& file : fs::directory_iterator(shard.path(), error)) {
        const std::string name = file.path().filename().string();
        if (name.rfind(kTempPrefix, 0) == 0) {  // An upload that never committed: never visible.
          ::unlink(file.path().c_str());
          continue;
        }
        struct stat st {};
        if (::stat(file.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        auto digest = Digest::Create(function, name, st.st_size);
        if (!digest.ok() || name.compare(0, 2, shard.path().filename().string()) != 0) {
          std::cerr << "kiln: ignoring unexpected file " << file.path() << " in the CAS\n";
          continue;
        }
        found.push_back({std::move(digest).value(), st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec});
      }
    }
    if (error) return Status::Internal("scanning " + function_dir + ": " + error.message());
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.mtime_ns < b.mtime_ns; });
  std::lock_guard lock(mutex_);
  for (const Found& blob : found) index_.Insert(blob.digest);
  for (const Digest& victim : index_.EvictDownTo(options_.max_bytes)) ::unlink(PathFor(victim).c_str());
  return Status::Ok();
}

std::string DiskBlobStore::ShardPath(const Digest& digest) {
  const std::string& hash = digest.hash();
  std::string path;
  path.reserve(hash.size() + 3);
  path.append(hash, 0, 2).append(1, '/').append(hash);
  return path;
}

std::string DiskBlobStore::PathFor(const Digest& digest) const {
  const std::string_view function = DigestFunctionName(digest.function());
  std::string path;
  path.reserve(options_.root.size() + 6 + function.size() + 4 + digest.hash().size());
  path.append(options_.root).append("/cas/").append(function).append(1, '/').append(ShardPath(digest));
  return path;
}

std::optional<int64_t> DiskBlobStore::StoredSize(DigestFunction function, std::string_view hash) const {
  auto digest = Digest::Create(function, hash, 0);
  if (!digest.ok()) return std::nullopt;
  if (hash == Digest::Empty(function).hash()) return 0;
  struct stat info;
  if (::stat(PathFor(*digest).c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
  return static_cast<int64_t>(info.st_size);
}

std::string DiskBlobStore::NewTempPath() {
  return temp_dir_ + "/" + std::to_string(::getpid()) + "-" + std::to_string(temp_counter_++);
}

std::string DiskBlobStore::NewTempPathFor(const Digest& digest) const {
  std::string path = PathFor(digest);
  path.resize(path.size() - digest.hash().size());
  return path + kTempPrefix + std::to_string(::getpid()) + "-" + std::to_string(temp_counter_++);
}

std::mutex& DiskBlobStore::StripeFor(const Digest& digest) {
  // The hash is uniformly distributed: its last hex digits pick the stripe.
  const std::string& hash = digest.hash();
  size_t value = 0;
  for (size_t i = hash.size() - 2; i < hash.size(); ++i) {
    const char c = hash[i];
    value = value * 16 + static_cast<size_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return publish_stripes_[value % publish_stripes_.size()];
}

std::vector<Digest> DiskBlobStore::FindMissing(const std::vector<Digest>& digests) {
  std::vector<Digest> missing;
  std::lock_guard lock(mutex_);
  for (const Digest& digest : digests) {
    if (!digest.IsEmptyBlob() && !index_.Touch(digest, /*pin=*/true)) missing.push_back(digest);
  }
  return missing;
}

StatusOr<UniqueFd> DiskBlobStore::OpenBlobFile(const Digest& digest) {
  // Relative to the function's directory: the path walk is a good part of a small read.
  UniqueFd fd(::openat(function_dirs_[static_cast<size_t>(digest.function())].get(), ShardPath(digest).c_str(),
                       O_RDONLY | O_CLOEXEC));
  if (fd.valid()) return fd;
  if (errno == ENOENT) {
    // Evicted since the index lookup, or removed behind our back.
    Forget(digest);
    return Status::NotFound("blob " + digest.ToString() + " is not in the CAS");
  }
  return ErrnoStatus("open", PathFor(digest), errno);
}

StatusOr<std::unique_ptr<BlobReader>> DiskBlobStore::OpenRead(const Digest& digest, int64_t offset) {
  if (offset < 0 || offset > digest.size()) {
    return Status::OutOfRange("offset " + std::to_string(offset) + " is outside blob " + digest.ToString());
  }
  if (digest.IsEmptyBlob()) {
    UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!devnull.valid()) return ErrnoStatus("open", "/dev/null", errno);
    return std::unique_ptr<BlobReader>(std::make_unique<FileBlobReader>(std::move(devnull), 0, 0));
  }
  std::optional<uint64_t> verified;
  {
    std::lock_guard lock(mutex_);
    verified = index_.TouchForRead(digest);
  }
  if (!verified) return Status::NotFound("blob " + digest.ToString() + " is not in the CAS");
  auto fd = OpenBlobFile(digest);
  if (!fd.ok()) return fd.status();
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return ErrnoStatus("stat", PathFor(digest), errno);
  if (st.st_size != digest.size()) {
    // Only possible if someone altered the store's files; never serve such data.
    Quarantine(digest, st, "it has " + std::to_string(st.st_size) + " bytes, not " + std::to_string(digest.size()));
    return Status::NotFound("blob " + digest.ToString() + " is not in the CAS");
  }
  // Untouched since its bytes last matched the digest: served without hashing.
  if (*verified == FileIdentityStamp(st)) {
    return std::unique_ptr<BlobReader>(std::make_unique<FileBlobReader>(std::move(fd).value(), digest.size(), offset));
  }
  if (offset > 0) {
    // A read from the middle cannot hash as it goes: the whole file is checked first.
    KILN_RETURN_IF_ERROR(VerifyWholeFile(digest, fd->get(), st));
    return std::unique_ptr<BlobReader>(std::make_unique<FileBlobReader>(std::move(fd).value(), digest.size(), offset));
  }
  auto file = std::make_unique<FileBlobReader>(std::move(fd).value(), digest.size(), 0);
  return std::unique_ptr<BlobReader>(
      std::make_unique<VerifyingBlobReader>(std::move(file), digest, [this, digest, st](bool intact) {
        if (intact) {
          RecordVerified(digest, st);
        } else {
          Quarantine(digest, st, "its bytes do not match the digest");
        }
      }));
}

StatusOr<std::unique_ptr<BlobWriter>> DiskBlobStore::OpenWrite(const Digest& digest) {
  if (digest.size() > options_.max_bytes) {
    return Status::ResourceExhausted("blob " + digest.ToString() + " is larger than the whole CAS budget of " +
                                     std::to_string(options_.max_bytes) + " bytes");
  }
  // The empty blob is always present and never stored as a file.
  if (digest.IsEmptyBlob()) return std::unique_ptr<BlobWriter>(std::make_unique<PresentBlobWriter>(digest));
  {
    std::lock_guard lock(mutex_);
    // Pinned: it must still be there when the uploader is told its upload succeeded.
    if (index_.Touch(digest, /*pin=*/true)) return std::unique_ptr<BlobWriter>(std::make_unique<PresentBlobWriter>(digest));
  }
  std::string temp_path = NewTempPathFor(digest);
  StagingBufferPool::Lease direct_buffer;
  if (options_.direct_write_min_bytes > 0 && digest.size() >= options_.direct_write_min_bytes) {
    direct_buffer = staging_buffers_.TryAcquire();
  }
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
  UniqueFd fd(::open(temp_path.c_str(), flags | (direct_buffer ? O_DIRECT : 0), 0444));
  if (!fd.valid() && errno == ENOENT) {  // The blob's shard directory does not exist yet.
    KILN_RETURN_IF_ERROR(MakeDirectories(fs::path(temp_path).parent_path().string()));
    fd = UniqueFd(::open(temp_path.c_str(), flags | (direct_buffer ? O_DIRECT : 0), 0444));
  }
  if (!fd.valid() && direct_buffer && errno == EINVAL) {
    direct_buffer = StagingBufferPool::Lease();  // This filesystem has no O_DIRECT at all.
    ::unlink(temp_path.c_str());  // Some kernels create the file before refusing the flag.
    fd = UniqueFd(::open(temp_path.c_str(), flags, 0444));
  }
  if (!fd.valid()) return ErrnoStatus("create", temp_path, errno);
  return std::unique_ptr<BlobWriter>(
      std::make_unique<Writer>(this, digest, std::move(temp_path), std::move(fd), std::move(direct_buffer)));
}

StatusOr<std::optional<Digest>> DiskBlobStore::AdoptFile(int dir_fd, const std::string& name, int fd,
                                                        DigestFunction function) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoStatus("stat", name, errno);
  // A second link would let whoever holds it reach the CAS file.
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_size > options_.max_bytes) return std::optional<Digest>();
  const std::string temp_path = NewTempPath();
  if (::renameat(dir_fd, name.c_str(), AT_FDCWD, temp_path.c_str()) != 0) {
    if (errno == EXDEV) return std::optional<Digest>();
    return ErrnoStatus("move into the CAS", name, errno);
  }
  const auto put_back = [&]() -> StatusOr<std::optional<Digest>> {
    if (::renameat(AT_FDCWD, temp_path.c_str(), dir_fd, name.c_str()) != 0) return ErrnoStatus("move back", name, errno);
    return std::optional<Digest>();
  };
  struct stat moved {};
  if (::stat(temp_path.c_str(), &moved) != 0 || moved.st_ino != st.st_ino || moved.st_dev != st.st_dev) {
    return put_back();  // `name` was not the file open at `fd`.
  }
  // Readers (and actions with hardlinked inputs) must not be able to change the blob.
  if ((st.st_uid != ::geteuid() || st.st_gid != ::getegid()) && ::fchown(fd, ::geteuid(), ::getegid()) != 0) {
    return put_back();
  }
  if (::fchmod(fd, 0444) != 0) return put_back();
  auto digest = ComputeFileDigest(function, fd, name);
  Status published = digest.status();
  if (published.ok() && options_.sync_writes && ::fdatasync(fd) != 0) published = ErrnoStatus("fdatasync", name, errno);
  if (published.ok()) published = Publish(temp_path, *digest);
  if (!published.ok()) {
    (void)put_back();  // The original error is the one worth reporting.
    return published;
  }
  return std::optional<Digest>(*digest);
}

Status DiskBlobStore::Publish(const std::string& temp_path, const Digest& digest) {
  if (digest.IsEmptyBlob()) {
    ::unlink(temp_path.c_str());
    return Status::Ok();
  }
  const std::string path = PathFor(digest);
  std::vector<Digest> victims;
  bool ask_ring = false;
  {
    // The rename and the index entry change together for this digest: an eviction of the
    // same digest takes the same stripe.
    std::lock_guard stripe(StripeFor(digest));
    if (::rename(temp_path.c_str(), path.c_str()) != 0) {
      if (errno != ENOENT) return ErrnoStatus("rename", temp_path, errno);
      KILN_RETURN_IF_ERROR(MakeDirectories(fs::path(path).parent_path().string()));
      if (::rename(temp_path.c_str(), path.c_str()) != 0) return ErrnoStatus("rename", temp_path, errno);
    }
    // Its bytes were hashed on the way in: verified by construction, as the file is now
    // (the rename changed its ctime).
    struct stat st {};
    const uint64_t stamp = ::stat(path.c_str(), &st) == 0 ? FileIdentityStamp(st) : 0;
    std::lock_guard lock(mutex_);
    index_.Insert(digest, stamp);
    if (!presence_) {
      victims = index_.EvictDownTo(options_.max_bytes);
    } else if (index_.total_bytes() > options_.max_bytes) {
      // The ring is asked on ring_checks_; only an upload that outruns it evicts unasked.
      const int64_t over = options_.max_bytes_over_while_asking > 0
                               ? options_.max_bytes_over_while_asking
                               : std::max<int64_t>(64 << 20, options_.max_bytes / 16);
      victims = index_.EvictDownTo(options_.max_bytes + over);
      unchecked_evictions_.fetch_add(static_cast<int64_t>(victims.size()), std::memory_order_relaxed);
      ask_ring = !std::exchange(ring_check_scheduled_, true);
    }
  }
  RemoveEvictedLater(std::move(victims));
  if (ask_ring && !ring_checks_->Submit([this] { EvictAskingRing(); }).ok()) {
    std::lock_guard lock(mutex_);
    ring_check_scheduled_ = false;  // Stopping: the store is closing.
    ring_check_done_.notify_all();
  }
  return Status::Ok();
}

void DiskBlobStore::RemoveEvictedLater(std::vector<Digest> victims) {
  if (victims.empty()) return;
  int64_t bytes = 0;
  for (const Digest& victim : victims) bytes += victim.size();
  evicted_blobs_.fetch_add(static_cast<int64_t>(victims.size()), std::memory_order_relaxed);
  evicted_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  // The disk may hold this much more than the budget while the evictions thread catches up.
  const int64_t max_pending = options_.max_pending_eviction_bytes > 0
                                  ? options_.max_pending_eviction_bytes
                                  : std::max<int64_t>(64 << 20, options_.max_bytes / 16);
  if (pending_eviction_bytes_.fetch_add(bytes) + bytes <= max_pending) {
    auto shared = std::make_shared<std::vector<Digest>>(std::move(victims));
    Status submitted = evictions_.Submit([this, shared, bytes] {
      for (const std::string& path : MoveEvictedAside(*shared)) ::unlink(path.c_str());
      pending_eviction_bytes_ -= bytes;
    });
    if (submitted.ok()) return;
    victims = std::move(*shared);
  }
  pending_eviction_bytes_ -= bytes;
  DeleteInBackground(MoveEvictedAside(victims));
}

std::vector<std::string> DiskBlobStore::MoveEvictedAside(const std::vector<Digest>& victims) {
  std::vector<std::string> evicted;
  for (const Digest& victim : victims) {
    std::lock_guard stripe(StripeFor(victim));
    {
      std::lock_guard lock(mutex_);
      if (index_.Touch(victim, /*pin=*/false)) continue;  // Uploaded again since it was evicted.
    }
    // Only moved aside here: a rename is quick, while freeing a large file's blocks can
    // wait on the device (with the `discard` mount option, for every file), and no upload
    // should wait for that.
    std::string aside = NewTempPath() + ".evicted";
    if (::rename(PathFor(victim).c_str(), aside.c_str()) == 0) evicted.push_back(std::move(aside));
  }
  return evicted;
}

void DiskBlobStore::DeleteInBackground(std::vector<std::string> paths) {
  if (paths.empty()) return;
  auto shared = std::make_shared<std::vector<std::string>>(std::move(paths));
  const auto delete_all = [shared] {
    for (const std::string& path : *shared) ::unlink(path.c_str());
  };
  // A full queue (or a stopping pool) only costs this thread the wait. Whatever is left in
  // tmp/ after a crash is deleted by the next Open().
  if (!io_threads_.Submit(delete_all).ok()) delete_all();
}

void DiskBlobStore::Forget(const Digest& digest) {
  std::lock_guard lock(mutex_);
  index_.Remove(digest);
}

int64_t DiskBlobStore::total_bytes() const {
  std::lock_guard lock(mutex_);
  return index_.total_bytes();
}

size_t DiskBlobStore::blob_count() const {
  std::lock_guard lock(mutex_);
  return index_.blob_count();
}

Status DiskBlobStore::Delete(const Digest& digest) {
  std::string aside;
  {
    // Under the blob's stripe: an upload of the same blob publishes before or after, whole.
    std::lock_guard stripe(StripeFor(digest));
    bool known;
    {
      std::lock_guard lock(mutex_);
      known = index_.Touch(digest, /*pin=*/false);
      if (known) index_.Remove(digest);
    }
    if (!known) return Status::NotFound("blob " + digest.ToString() + " is not stored");
    aside = NewTempPath() + ".deleted";
    if (::rename(PathFor(digest).c_str(), aside.c_str()) != 0) aside.clear();  // Gone already.
  }
  if (!aside.empty()) DeleteInBackground({aside});
  return Status::Ok();
}

}  // namespace kiln
