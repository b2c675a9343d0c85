// Archives built in a test with libarchive's write API (tar, tar.gz, tar.xz, zip), for the
// archive import tests and the FetchDirectory integration tests.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace kiln {

struct TestArchiveEntry {
  std::string path;
  mode_t type = AE_IFREG;
  int permissions = 0644;
  std::string content;  // File data, or the symlink target.
};

enum class TestArchiveFormat { kTar, kTarGz, kTarXz, kZip };

// The archive's bytes; empty if libarchive failed.
inline std::string MakeTestArchive(TestArchiveFormat format, const std::vector<TestArchiveEntry>& entries) {
  archive* writer = archive_write_new();
  if (format == TestArchiveFormat::kZip) {
    archive_write_set_format_zip(writer);
  } else {
    archive_write_set_format_pax_restricted(writer);
    if (format == TestArchiveFormat::kTarGz) archive_write_add_filter_gzip(writer);
    if (format == TestArchiveFormat::kTarXz) archive_write_add_filter_xz(writer);
  }
  std::string bytes(1 << 20, '\0');
  size_t used = 0;
  bool ok = archive_write_open_memory(writer, bytes.data(), bytes.size(), &used) == ARCHIVE_OK;
  for (const TestArchiveEntry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, e.permissions);
    if (e.type == AE_IFLNK) archive_entry_set_symlink(entry, e.content.c_str());
    if (e.type == AE_IFREG) archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
    ok = ok && archive_write_header(writer, entry) == ARCHIVE_OK;
    if (ok && e.type == AE_IFREG) ok = archive_write_data(writer, e.content.data(), e.content.size()) >= 0;
    archive_entry_free(entry);
  }
  ok = archive_write_close(writer) == ARCHIVE_OK && ok;
  archive_write_free(writer);
  bytes.resize(ok ? used : 0);
  return bytes;
}

}  // namespace kiln
