// Keeps a directory of records ({root}/{shard}/{key}) within a byte budget by deleting the
// least recently used: the oldest modification times first (readers refresh a record's
// time when they use it, see DiskRecordStore::Get).
//
// Two passes over the directory with a per-minute histogram of sizes in between, rather
// than a sorted list of every record: memory stays small with millions of records. Only
// the records of the one minute where the cut falls are sorted by exact time.
//
// Concurrent writers are tolerated: a record rewritten or used during the trim has a new
// time and is kept. (One replaced between the trimmer's stat and its unlink can still be
// lost; for a cache that is one miss.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln {

struct TrimResult {
  int64_t bytes_before = 0;  // What the scan found.
  int64_t bytes_after = 0;
  size_t records_deleted = 0;
};

// Deletes the oldest records until at most `target_bytes` remain. Files whose name contains
// ".tmp." (writes in progress) are neither counted nor deleted.
TrimResult TrimRecords(const std::string& root, int64_t target_bytes);

// The total size of the records under `root` (temp files excluded; with
// `remove_temp_files`, deleted on the way, for a store opening after a crash).
int64_t RecordBytes(const std::string& root, bool remove_temp_files = false);

}  // namespace kiln
