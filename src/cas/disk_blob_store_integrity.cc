// DiskBlobStore's integrity half: verifying a stored file against its digest (once per file
// identity), quarantining one that does not match, the scrubber's walk, and presence checks
// that look at the disk rather than the index. Reads and writes are in disk_blob_store.cc.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <unordered_set>

#include "cas/digest_verifier.h"
#include "cas/disk_blob_store.h"
#include "cas/file_identity.h"
#include "cas/verifying_blob_reader.h"
#include "common/file_util.h"
#include "common/hasher.h"

namespace kiln {
namespace fs = std::filesystem;

Status DiskBlobStore::VerifyWholeFile(const Digest& digest, int fd, const struct stat& st) {
  auto actual = ComputeFileDigest(digest.function(), fd, PathFor(digest));
  if (!actual.ok()) return actual.status();
  if (*actual != digest) {
    Quarantine(digest, st, "its bytes hash to " + actual->ToString());
    return CorruptBlobStatus(digest);
  }
  RecordVerified(digest, st);
  return Status::Ok();
}

void DiskBlobStore::RecordVerified(const Digest& digest, const struct stat& st) {
  std::lock_guard lock(mutex_);
  index_.SetVerified(digest, FileIdentityStamp(st));
}

std::string DiskBlobStore::VerifiedPathFor(const Digest& digest) {
  if (digest.IsEmptyBlob()) return std::string();
  std::optional<uint64_t> verified;
  {
    std::lock_guard lock(mutex_);
    verified = index_.TouchForRead(digest);
  }
  if (!verified) return std::string();
  auto fd = OpenBlobFile(digest);
  if (!fd.ok()) return std::string();
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return std::string();
  if (st.st_size != digest.size()) {
    Quarantine(digest, st, "it has " + std::to_string(st.st_size) + " bytes, not " + std::to_string(digest.size()));
    return std::string();
  }
  if (*verified != FileIdentityStamp(st) && !VerifyWholeFile(digest, fd->get(), st).ok()) return std::string();
  return PathFor(digest);
}

StatusOr<int64_t> DiskBlobStore::Scrub(const Digest& digest) {
  // No index lookup: that would make the blob the most recently used, and a scrubber must
  // not change what eviction picks. A blob evicted meanwhile is simply found gone.
  auto fd = OpenBlobFile(digest);
  if (!fd.ok()) return fd.status().code() == StatusCode::kNotFound ? StatusOr<int64_t>(int64_t{0}) : fd.status();
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return ErrnoStatus("stat", PathFor(digest), errno);
  if (st.st_size != digest.size()) {
    Quarantine(digest, st, "it has " + std::to_string(st.st_size) + " bytes, not " + std::to_string(digest.size()));
    return int64_t{0};
  }
  Status verified = VerifyWholeFile(digest, fd->get(), st);
  if (!verified.ok() && verified.code() != StatusCode::kDataLoss) return verified;
  return st.st_size;
}

std::optional<Digest> DiskBlobStore::NextToScrub() {
  // Bounded, so a sparse index after a mass eviction never holds the lock for long.
  constexpr int kMaxSlotsPerStep = 4096;
  std::lock_guard lock(mutex_);
  const size_t capacity = index_.slot_capacity();
  for (int i = 0; i < kMaxSlotsPerStep && capacity > 0; ++i) {
    if (scrub_cursor_ >= capacity) scrub_cursor_ = 0;
    std::optional<Digest> digest = index_.DigestInSlot(scrub_cursor_++);
    if (digest) return digest;
  }
  return std::nullopt;
}

void DiskBlobStore::Quarantine(const Digest& digest, const struct stat& bad, const std::string& why) {
  const std::string path = PathFor(digest);
  std::string moved_to;
  {
    // Under the stripe: a concurrent upload of the same blob publishes a new file under
    // this name, which must not be taken for the bad one.
    std::lock_guard stripe(StripeFor(digest));
    struct stat now {};
    if (::stat(path.c_str(), &now) != 0 || now.st_ino != bad.st_ino || now.st_dev != bad.st_dev) return;
    const std::string dir = quarantine_dir();
    const std::string target = dir + "/" + std::string(DigestFunctionName(digest.function())) + "-" + digest.hash() +
                               "-" + std::to_string(digest.size()) + "." + std::to_string(::getpid()) + "-" +
                               std::to_string(temp_counter_++);
    if (MakeDirectories(dir).ok() && ::rename(path.c_str(), target.c_str()) == 0) {
      moved_to = target;
    } else {
      ::unlink(path.c_str());  // Never serve it again, even if it cannot be kept.
    }
    Forget(digest);
  }
  ++quarantined_;
  std::cerr << "kiln: quarantined blob " << digest.ToString() << " (" << path << "): " << why << "; "
            << (moved_to.empty() ? std::string("could not move it aside, deleted it") : "moved to " + moved_to)
            << "; it is missing from the CAS until uploaded again\n";
}

std::vector<Digest> DiskBlobStore::FindMissingConfirmed(const std::vector<Digest>& digests) {
  std::vector<Digest> missing = FindMissing(digests);
  std::unordered_set<Digest, DigestHash> absent(missing.begin(), missing.end());
  for (const Digest& digest : digests) {
    if (digest.IsEmptyBlob() || absent.count(digest) != 0) continue;
    struct stat st {};
    const int dir = function_dirs_[static_cast<size_t>(digest.function())].get();
    const bool there = ::fstatat(dir, ShardPath(digest).c_str(), &st, 0) == 0;
    if (there && S_ISREG(st.st_mode) && st.st_size == digest.size()) continue;
    if (there && S_ISREG(st.st_mode)) {
      Quarantine(digest, st, "it has " + std::to_string(st.st_size) + " bytes, not " + std::to_string(digest.size()));
    } else {
      std::cerr << "kiln: blob " << digest.ToString() << " is indexed but its file " << PathFor(digest)
                << " is gone; forgetting it\n";
      Forget(digest);
    }
    absent.insert(digest);
    missing.push_back(digest);
  }
  return missing;
}

}  // namespace kiln
