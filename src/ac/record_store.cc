#include "ac/record_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include <filesystem>

#include "ac/record_trimmer.h"
#include "common/file_util.h"

namespace kiln {

StatusOr<std::string> MemoryRecordStore::Get(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(key);
  if (it == records_.end()) return Status::NotFound("no record " + key);
  return it->second;
}

Status MemoryRecordStore::Put(const std::string& key, std::string_view value) {
  std::lock_guard lock(mutex_);
  records_[key] = std::string(value);
  return Status::Ok();
}

Status MemoryRecordStore::Delete(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (records_.erase(key) == 0) return Status::NotFound("no record " + key);
  return Status::Ok();
}

namespace {

// How stale a record's modification time may get before a Get refreshes it: often enough
// for the trimmer's per-minute ages, rarely enough to cost nothing on hot records.
constexpr auto kRefreshInterval = std::chrono::hours(1);

}  // namespace

StatusOr<std::unique_ptr<DiskRecordStore>> DiskRecordStore::Open(const std::string& root, bool sync_writes,
                                                                  int64_t max_bytes) {
  if (max_bytes <= 0) return Status::InvalidArgument("the size budget of " + root + " must be positive");
  KILN_RETURN_IF_ERROR(MakeDirectories(root));
  // One pass: counts the records and deletes leftovers of interrupted atomic writes
  // ("{key}.tmp.{pid}.{n}"), which were never visible.
  const int64_t bytes = RecordBytes(root, /*remove_temp_files=*/true);
  return std::unique_ptr<DiskRecordStore>(new DiskRecordStore(root, sync_writes, max_bytes, bytes));
}

std::string DiskRecordStore::PathFor(const std::string& key) const {
  return root_ + "/" + key.substr(0, 2) + "/" + key;
}

StatusOr<std::string> DiskRecordStore::Get(const std::string& key) {
  const std::string path = PathFor(key);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return Status::NotFound("no record " + key);
    return ErrnoStatus("open", path, errno);
  }
  struct stat st {};
  auto data = ReadOpenFile(fd.get(), path, &st);
  if (!data.ok()) return data.status();
  const auto modified = std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec);
  if (std::chrono::system_clock::now() - modified > kRefreshInterval) {
    (void)::futimens(fd.get(), nullptr);  // Best effort: at worst the record ages out sooner.
  }
  return data;
}

Status DiskRecordStore::Put(const std::string& key, std::string_view value) {
  const std::string path = PathFor(key);
  Status status = WriteFileAtomically(path, value, sync_writes_);
  if (status.code() == StatusCode::kNotFound) {
    KILN_RETURN_IF_ERROR(MakeDirectories(root_ + "/" + key.substr(0, 2)));
    status = WriteFileAtomically(path, value, sync_writes_);
  }
  if (status.ok()) counted_bytes_.fetch_add(static_cast<int64_t>(value.size()), std::memory_order_relaxed);
  return status;
}

size_t DiskRecordStore::Trim() {
  if (counted_bytes() <= max_bytes_) return 0;
  std::lock_guard lock(trim_mutex_);
  const int64_t counted_at_start = counted_bytes();
  const TrimResult result = TrimRecords(root_, max_bytes_ / 10 * 9);
  // The scan's figure replaces what was counted before it; Puts during the trim stay counted.
  counted_bytes_.fetch_add(result.bytes_after - counted_at_start, std::memory_order_relaxed);
  return result.records_deleted;
}

Status DiskRecordStore::Delete(const std::string& key) {
  const std::string path = PathFor(key);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::NotFound("no record " + key);
    return ErrnoStatus("unlink", path, errno);
  }
  return Status::Ok();
}

}  // namespace kiln
