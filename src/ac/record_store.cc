#include "ac/record_store.h"

#include <unistd.h>

#include <filesystem>

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

StatusOr<std::unique_ptr<DiskRecordStore>> DiskRecordStore::Open(const std::string& root, bool sync_writes) {
  KILN_RETURN_IF_ERROR(MakeDirectories(root));
  // Leftovers of interrupted atomic writes ("{key}.tmp.{pid}.{n}") were never visible.
  std::error_code error;
  for (const auto& shard : std::filesystem::directory_iterator(root, error)) {
    for (const auto& file : std::filesystem::directory_iterator(shard.path(), error)) {
      if (file.path().filename().string().find(".tmp.") != std::string::npos) ::unlink(file.path().c_str());
    }
  }
  return std::unique_ptr<DiskRecordStore>(new DiskRecordStore(root, sync_writes));
}

std::string DiskRecordStore::PathFor(const std::string& key) const {
  return root_ + "/" + key.substr(0, 2) + "/" + key;
}

StatusOr<std::string> DiskRecordStore::Get(const std::string& key) {
  auto data = ReadSmallFile(PathFor(key));
  if (!data.ok() && data.status().code() == StatusCode::kNotFound) return Status::NotFound("no record " + key);
  return data;
}

Status DiskRecordStore::Put(const std::string& key, std::string_view value) {
  const std::string path = PathFor(key);
  Status status = WriteFileAtomically(path, value, sync_writes_);
  if (status.code() == StatusCode::kNotFound) {
    KILN_RETURN_IF_ERROR(MakeDirectories(root_ + "/" + key.substr(0, 2)));
    status = WriteFileAtomically(path, value, sync_writes_);
  }
  return status;
}

}  // namespace kiln
