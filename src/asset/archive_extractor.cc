#include "asset/archive_extractor.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <vector>

#include "common/file_util.h"

namespace kiln {
namespace {

using ArchivePtr = std::unique_ptr<archive, void (*)(archive*)>;

void FreeReader(archive* a) { archive_read_free(a); }
void FreeWriter(archive* a) { archive_write_free(a); }

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
StatusOr<bool> PrepareEntry(archive_entry* entry, const std::string& destination) {
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
  archive_entry_set_pathname(entry, (destination + "/" + *path).c_str());
  return true;
}

Status CopyEntryData(archive* reader, archive* writer, const std::string& name) {
  while (true) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(reader, &block, &size, &offset);
    if (r == ARCHIVE_EOF) return Status::Ok();
    if (r < ARCHIVE_WARN) return Status::Aborted("reading archive entry \"" + name + "\": " + ArchiveError(reader));
    if (archive_write_data_block(writer, block, size, offset) < ARCHIVE_WARN) {
      const int error = archive_errno(writer);
      if (error == ENOSPC) return Status::ResourceExhausted("writing \"" + name + "\": disk full");
      return Status::Internal("writing \"" + name + "\": " + ArchiveError(writer));
    }
  }
}

}  // namespace

Status ExtractArchive(int fd, const std::string& destination) {
  // libarchive checks every component of the (absolute) destination path for symlinks;
  // resolving it first keeps a symlinked data directory from tripping that check.
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(destination.c_str(), nullptr), std::free);
  if (!resolved) return ErrnoStatus("resolve", destination, errno);
  const std::string root = resolved.get();
  if (::lseek(fd, 0, SEEK_SET) != 0) return ErrnoStatus("seek", "downloaded archive", errno);

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
    auto keep = PrepareEntry(entry, root);
    if (!keep.ok()) return keep.status();
    if (!*keep) continue;
    if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN) {
      return Status::Aborted("cannot extract archive entry \"" + name + "\": " + ArchiveError(writer.get()));
    }
    if (archive_entry_size(entry) > 0) KILN_RETURN_IF_ERROR(CopyEntryData(reader.get(), writer.get(), name));
    if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN) {
      return Status::Internal("finishing \"" + name + "\": " + ArchiveError(writer.get()));
    }
  }
  if (r != ARCHIVE_EOF) return Status::Aborted("not a readable archive: " + ArchiveError(reader.get()));
  if (archive_write_close(writer.get()) != ARCHIVE_OK) {
    return Status::Internal("finishing the extraction: " + ArchiveError(writer.get()));
  }
  return Status::Ok();
}

}  // namespace kiln
