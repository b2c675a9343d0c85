#include "asset/archive_extractor.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/file_util.h"

namespace kiln {
namespace {

using ArchivePtr = std::unique_ptr<archive, void (*)(archive*)>;

void FreeReader(archive* a) { archive_read_free(a); }
void FreeWriter(archive* a) { archive_write_free(a); }

// "64.0 MiB (67108864 bytes)".
std::string DescribeBytes(int64_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  if (unit == 0) return std::to_string(bytes) + " bytes";
  char text[64];
  std::snprintf(text, sizeof text, "%.1f %s (%lld bytes)", value, units[unit], static_cast<long long>(bytes));
  return text;
}

// Counts what the archive unpacks to, refusing the entry or block that would pass a limit.
class UnpackBudget {
 public:
  UnpackBudget(const ArchiveLimits& limits, int64_t archive_bytes) : limits_(limits), archive_bytes_(archive_bytes) {
    byte_limit_ = limits.max_unpacked_bytes;
    if (limits.max_ratio > 0) {
      const int64_t by_ratio = archive_bytes > std::numeric_limits<int64_t>::max() / limits.max_ratio
                                   ? std::numeric_limits<int64_t>::max()
                                   : std::max(archive_bytes * limits.max_ratio, limits.ratio_exempt_bytes);
      if (by_ratio < byte_limit_) {
        byte_limit_ = by_ratio;
        ratio_binds_ = true;
      }
    }
  }

  Status CountEntry(const std::string& name) {
    if (++entries_ <= limits_.max_entries) return Status::Ok();
    return Status::ResourceExhausted("the archive has more than " + std::to_string(limits_.max_entries) +
                                     " entries (the directories their paths create included), the limit set by "
                                     "--asset-max-archive-entries; refused at entry \"" + name + "\", nothing was stored");
  }

  // libarchive creates the missing parents of an entry ("a/b/c/f" makes a, a/b and a/b/c):
  // each counts as an entry the first time a path names it, or one entry with a path of
  // 1,000 components would make 1,000 directories. `path` is normalised and relative;
  // `is_directory`: the entry itself is a directory (already counted), which later paths
  // then do not count again.
  Status CountParents(std::string_view path, bool is_directory, const std::string& name) {
    for (size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
      if (KnowDirectory(path.substr(0, slash))) KILN_RETURN_IF_ERROR(CountEntry(name));
    }
    if (is_directory) KnowDirectory(path);
    return Status::Ok();
  }

  // `bytes` more of unpacked file data, before it is written.
  Status Reserve(int64_t bytes, const std::string& name) {
    if (bytes <= byte_limit_ - unpacked_) {
      unpacked_ += bytes;
      return Status::Ok();
    }
    const std::string where = "; refused at entry \"" + name + "\", nothing was stored";
    if (!ratio_binds_) {
      return Status::ResourceExhausted("the archive unpacks to more than " + DescribeBytes(byte_limit_) +
                                       ", the limit set by --asset-max-unpacked-bytes" + where);
    }
    const std::string ratio = std::to_string(limits_.max_ratio);
    return Status::ResourceExhausted("an archive of " + DescribeBytes(archive_bytes_) + " unpacks to more than " +
                                     DescribeBytes(byte_limit_) + ": --asset-max-unpack-ratio " + ratio + " allows " +
                                     ratio + " times an archive's size or " +
                                     DescribeBytes(limits_.ratio_exempt_bytes) + ", whichever is more" + where);
  }

 private:
  const ArchiveLimits limits_;
  const int64_t archive_bytes_;
  int64_t byte_limit_ = 0;
  bool ratio_binds_ = false;
  int64_t entries_ = 0;
  int64_t unpacked_ = 0;
  // Directories met so far, by a hash of their path (a whole path per directory could take
  // gigabytes with a million long paths); a collision only lets one directory go uncounted.
  std::unordered_set<size_t> directories_;

  // True if `path` was not known before.
  bool KnowDirectory(std::string_view path) { return directories_.insert(std::hash<std::string_view>()(path)).second; }
};

std::string ArchiveError(archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unknown libarchive error";
}

// The entry's path made relative and normalised ("./a//b" -> "a/b"); "" for the archive's
// root entry. ABORTED for absolute paths and ".." components.
StatusOr<std::string> SafeRelativePath(const char* raw) {
  if (raw == nullptr) return Status::Aborted("an archive entry has no usable name");
  std::string_view path(raw);
  if (path.starts_with("/")) return Status::Aborted("archive entry \"" + std::string(path) + "\" has an absolute path");
  std::string normalised;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view component = path.substr(start, end - start);
    if (component == "..") {
      return Status::Aborted("archive entry \"" + std::string(path) + "\" climbs out of the archive with \"..\"");
    }
    if (!component.empty() && component != ".") {
      if (!normalised.empty()) normalised += '/';
      normalised += component;
    }
    start = end + 1;
  }
  return normalised;
}

// What to do with one entry: false to leave it out.
StatusOr<bool> PrepareEntry(archive_entry* entry, const std::string& destination, UnpackBudget& budget) {
  auto path = SafeRelativePath(archive_entry_pathname(entry));
  if (!path.ok()) return path.status();
  if (path->empty()) return false;
  const char* hardlink = archive_entry_hardlink(entry);
  if (hardlink != nullptr) {
    auto target = SafeRelativePath(hardlink);
    if (!target.ok()) return target.status();
    archive_entry_set_hardlink(entry, (destination + "/" + *target).c_str());
  } else {
    const auto type = archive_entry_filetype(entry);
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) return false;
  }
  const std::string name = archive_entry_pathname(entry);
  KILN_RETURN_IF_ERROR(budget.CountParents(*path, hardlink == nullptr && archive_entry_filetype(entry) == AE_IFDIR, name));
  archive_entry_set_pathname(entry, (destination + "/" + *path).c_str());
  return true;
}

// `reserved`: the bytes of this entry already counted (its declared size). A block reaching
// beyond that (an entry of unknown or understated size) is counted before it is written.
Status CopyEntryData(archive* reader, archive* writer, const std::string& name, int64_t reserved,
                     UnpackBudget& budget) {
  while (true) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(reader, &block, &size, &offset);
    if (r == ARCHIVE_EOF) return Status::Ok();
    if (r < ARCHIVE_WARN) return Status::Aborted("reading archive entry \"" + name + "\": " + ArchiveError(reader));
    if (offset < 0) return Status::Aborted("archive entry \"" + name + "\" has a block at a negative offset");
    const int64_t end = offset + static_cast<int64_t>(size);
    if (end > reserved) {
      KILN_RETURN_IF_ERROR(budget.Reserve(end - reserved, name));
      reserved = end;
    }
    if (archive_write_data_block(writer, block, size, offset) < ARCHIVE_WARN) {
      const int error = archive_errno(writer);
      if (error == ENOSPC) return Status::ResourceExhausted("writing \"" + name + "\": disk full");
      return Status::Internal("writing \"" + name + "\": " + ArchiveError(writer));
    }
  }
}

}  // namespace

Status ExtractArchive(int fd, const std::string& destination, const ArchiveLimits& limits) {
  // libarchive checks every component of the (absolute) destination path for symlinks;
  // resolving it first keeps a symlinked data directory from tripping that check.
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(destination.c_str(), nullptr), std::free);
  if (!resolved) return ErrnoStatus("resolve", destination, errno);
  const std::string root = resolved.get();
  if (::lseek(fd, 0, SEEK_SET) != 0) return ErrnoStatus("seek", "downloaded archive", errno);
  struct stat archive_stat {};
  if (::fstat(fd, &archive_stat) != 0) return ErrnoStatus("stat", "downloaded archive", errno);
  UnpackBudget budget(limits, archive_stat.st_size);

  ArchivePtr reader(archive_read_new(), FreeReader);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_all(reader.get());
  if (archive_read_open_fd(reader.get(), fd, 64 * 1024) != ARCHIVE_OK) {
    return Status::Aborted("not a readable archive: " + ArchiveError(reader.get()));
  }
  ArchivePtr writer(archive_write_disk_new(), FreeWriter);
  archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT);

  archive_entry* entry = nullptr;
  int r;
  while ((r = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
    const std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "?";
    KILN_RETURN_IF_ERROR(budget.CountEntry(name));
    auto keep = PrepareEntry(entry, root, budget);
    if (!keep.ok()) return keep.status();
    if (!*keep) continue;
    // The declared size is counted before anything of the entry is written.
    const int64_t declared = archive_entry_size_is_set(entry) ? std::max<int64_t>(archive_entry_size(entry), 0) : 0;
    KILN_RETURN_IF_ERROR(budget.Reserve(declared, name));
    if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN) {
      return Status::Aborted("cannot extract archive entry \"" + name + "\": " + ArchiveError(writer.get()));
    }
    if (archive_entry_size(entry) > 0 || !archive_entry_size_is_set(entry)) {
      KILN_RETURN_IF_ERROR(CopyEntryData(reader.get(), writer.get(), name, declared, budget));
    }
    if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN) {
      return Status::Internal("finishing \"" + name + "\": " + ArchiveError(writer.get()));
    }
    if (archive_entry_hardlink(entry) != nullptr) {
      // A link takes no room on disk, but the tree import reads its file again.
      struct stat linked {};
      if (::lstat(archive_entry_pathname(entry), &linked) == 0 && S_ISREG(linked.st_mode)) {
        KILN_RETURN_IF_ERROR(budget.Reserve(linked.st_size, name));
      }
    }
  }
  if (r != ARCHIVE_EOF) return Status::Aborted("not a readable archive: " + ArchiveError(reader.get()));
  if (archive_write_close(writer.get()) != ARCHIVE_OK) {
    return Status::Internal("finishing the extraction: " + ArchiveError(writer.get()));
  }
  return Status::Ok();
}

}  // namespace kiln
