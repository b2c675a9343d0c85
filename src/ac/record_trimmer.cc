#include "ac/record_trimmer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <vector>

namespace kiln {
namespace {

namespace fs = std::filesystem;

bool IsTempFile(const fs::path& path) { return path.filename().string().find(".tmp.") != std::string::npos; }

// Calls `visit` with every record file and its stat; temp files are skipped, or deleted.
void ForEachRecord(const std::string& root, const std::function<void(const fs::path&, const struct stat&)>& visit,
                   bool remove_temp_files = false) {
  std::error_code error;
  for (const auto& shard : fs::directory_iterator(root, error)) {
    std::error_code shard_error;
    for (const auto& file : fs::directory_iterator(shard.path(), shard_error)) {
      if (IsTempFile(file.path())) {
        if (remove_temp_files) ::unlink(file.path().c_str());
        continue;
      }
      struct stat st {};
      if (::lstat(file.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      visit(file.path(), st);
    }
  }
}

int64_t MinuteOf(const struct stat& st) { return static_cast<int64_t>(st.st_mtim.tv_sec) / 60; }

}  // namespace

int64_t RecordBytes(const std::string& root, bool remove_temp_files) {
  int64_t total = 0;
  ForEachRecord(root, [&](const fs::path&, const struct stat& st) { total += st.st_size; }, remove_temp_files);
  return total;
}

TrimResult TrimRecords(const std::string& root, int64_t target_bytes) {
  TrimResult result;
  std::map<int64_t, int64_t> bytes_by_minute;
  ForEachRecord(root, [&](const fs::path&, const struct stat& st) {
    bytes_by_minute[MinuteOf(st)] += st.st_size;
    result.bytes_before += st.st_size;
  });
  result.bytes_after = result.bytes_before;
  if (result.bytes_before <= target_bytes) return result;

  // Whole minutes before `boundary` go; within the boundary minute the oldest records go,
  // by exact time, until the target is met; newer minutes stay.
  int64_t remaining = result.bytes_before;
  int64_t boundary = 0;
  for (const auto& [minute, bytes] : bytes_by_minute) {
    boundary = minute;
    if (remaining - bytes <= target_bytes) break;
    remaining -= bytes;
  }
  struct Candidate {
    fs::path path;
    struct timespec modified;
    int64_t size;
  };
  std::vector<Candidate> in_boundary_minute;
  const auto remove = [&](const fs::path& path, int64_t size) {
    if (::unlink(path.c_str()) != 0) return;
    result.bytes_after -= size;
    ++result.records_deleted;
  };
  ForEachRecord(root, [&](const fs::path& path, const struct stat& st) {
    if (MinuteOf(st) < boundary) {
      remove(path, st.st_size);
    } else if (MinuteOf(st) == boundary) {
      in_boundary_minute.push_back({path, st.st_mtim, st.st_size});
    }
  });
  std::sort(in_boundary_minute.begin(), in_boundary_minute.end(), [](const Candidate& a, const Candidate& b) {
    return a.modified.tv_sec != b.modified.tv_sec ? a.modified.tv_sec < b.modified.tv_sec
                                                   : a.modified.tv_nsec < b.modified.tv_nsec;
  });
  for (const Candidate& candidate : in_boundary_minute) {
    if (result.bytes_after <= target_bytes) break;
    remove(candidate.path, candidate.size);
  }
  return result;
}

}  // namespace kiln
