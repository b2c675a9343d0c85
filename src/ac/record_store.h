// Small records addressed by an opaque key: the storage under the action cache (and later
// the asset mappings). Kept apart from BlobStore because records are not content-addressed:
// their key is not the hash of their value.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace kiln {

class RecordStore {
 public:
  virtual ~RecordStore() = default;
  // NOT_FOUND if there is no record under `key`.
  virtual StatusOr<std::string> Get(const std::string& key) = 0;
  // Replaces any previous record atomically: readers see the old or the new value.
  virtual Status Put(const std::string& key, std::string_view value) = 0;
};

class MemoryRecordStore final : public RecordStore {
 public:
  StatusOr<std::string> Get(const std::string& key) override;
  Status Put(const std::string& key, std::string_view value) override;

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::string> records_;
};

// One file per record under {root}/{key[0:2]}/{key}. Keys must be file-name safe (kiln
// uses hex hashes).
class DiskRecordStore final : public RecordStore {
 public:
  static StatusOr<std::unique_ptr<DiskRecordStore>> Open(const std::string& root, bool sync_writes);
  StatusOr<std::string> Get(const std::string& key) override;
  Status Put(const std::string& key, std::string_view value) override;

 private:
  DiskRecordStore(std::string root, bool sync_writes) : root_(std::move(root)), sync_writes_(sync_writes) {}
  std::string PathFor(const std::string& key) const;

  const std::string root_;
  const bool sync_writes_;
};

}  // namespace kiln
