// Small records addressed by an opaque key: the storage under the action cache (and later
// the asset mappings). Kept apart from BlobStore because records are not content-addressed:
// their key is not the hash of their value.
#pragma once

#include <atomic>
#include <cstdint>
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
  // NOT_FOUND if there is no record under `key`.
  virtual Status Delete(const std::string& key) = 0;
};

class MemoryRecordStore final : public RecordStore {
 public:
  StatusOr<std::string> Get(const std::string& key) override;
  Status Put(const std::string& key, std::string_view value) override;
  Status Delete(const std::string& key) override;

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::string> records_;
};

// One file per record under {root}/{key[0:2]}/{key}. Keys must be file-name safe (kiln
// uses hex hashes).
//
// Size budget: Put only counts bytes; Trim(), called periodically off the request path,
// deletes the least recently used records (record_trimmer.h) down to 90% of `max_bytes`
// once the count passes it. Get refreshes a record's modification time, at most once an
// hour per record, so that records in use count as recent.
class DiskRecordStore final : public RecordStore {
 public:
  static StatusOr<std::unique_ptr<DiskRecordStore>> Open(const std::string& root, bool sync_writes,
                                                         int64_t max_bytes = int64_t{1} << 30);
  StatusOr<std::string> Get(const std::string& key) override;
  Status Put(const std::string& key, std::string_view value) override;
  Status Delete(const std::string& key) override;

  // If the records may exceed the budget, trims them; returns how many were deleted.
  // Scans the whole store: call it from a background thread.
  size_t Trim();
  // Bytes counted since the last scan (an overwritten record counts twice until then).
  int64_t counted_bytes() const { return counted_bytes_.load(std::memory_order_relaxed); }

 private:
  DiskRecordStore(std::string root, bool sync_writes, int64_t max_bytes, int64_t bytes)
      : root_(std::move(root)), sync_writes_(sync_writes), max_bytes_(max_bytes), counted_bytes_(bytes) {}
  std::string PathFor(const std::string& key) const;

  const std::string root_;
  const bool sync_writes_;
  const int64_t max_bytes_;
  std::atomic<int64_t> counted_bytes_;
  std::mutex trim_mutex_;  // One trim at a time.
};

}  // namespace kiln
