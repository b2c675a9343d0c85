// Archives built in a test with libarchive's write API (tar, tar.gz, tar.xz, tar.zst, zip),
// for the archive import tests and the FetchDirectory integration tests; and archive bombs
// (files of zeros, streamed through the compressor, never whole in memory).
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/types.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

struct TestArchiveEntry {
  std::string path;
  mode_t type = AE_IFREG;
  int permissions = 0644;
  std::string content;  // File data, or the symlink target.
  std::string hardlink;  // For AE_IFREG: a hard link to this earlier entry (content ignored).
};

enum class TestArchiveFormat { kTar, kTarGz, kTarXz, kTarZst, kZip };

inline archive* NewTestArchiveWriter(TestArchiveFormat format) {
  archive* writer = archive_write_new();
  if (format == TestArchiveFormat::kZip) {
    archive_write_set_format_zip(writer);
  } else {
    archive_write_set_format_pax_restricted(writer);
    if (format == TestArchiveFormat::kTarGz) archive_write_add_filter_gzip(writer);
    if (format == TestArchiveFormat::kTarXz) archive_write_add_filter_xz(writer);
    if (format == TestArchiveFormat::kTarZst) archive_write_add_filter_zstd(writer);
  }
  return writer;
}

// The archive's bytes; empty if libarchive failed.
inline std::string MakeTestArchive(TestArchiveFormat format, const std::vector<TestArchiveEntry>& entries) {
  archive* writer = NewTestArchiveWriter(format);
  std::string bytes(1 << 20, '\0');
  size_t used = 0;
  bool ok = archive_write_open_memory(writer, bytes.data(), bytes.size(), &used) == ARCHIVE_OK;
  for (const TestArchiveEntry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, e.permissions);
    const bool link = !e.hardlink.empty();
    if (e.type == AE_IFLNK) archive_entry_set_symlink(entry, e.content.c_str());
    if (link) archive_entry_set_hardlink(entry, e.hardlink.c_str());
    if (e.type == AE_IFREG) archive_entry_set_size(entry, link ? 0 : static_cast<la_int64_t>(e.content.size()));
    ok = ok && archive_write_header(writer, entry) == ARCHIVE_OK;
    if (ok && e.type == AE_IFREG && !link) ok = archive_write_data(writer, e.content.data(), e.content.size()) >= 0;
    archive_entry_free(entry);
  }
  ok = archive_write_close(writer) == ARCHIVE_OK && ok;
  archive_write_free(writer);
  bytes.resize(ok ? used : 0);
  return bytes;
}

// An archive of `files` files ("zeros-N") of `file_bytes` zero bytes each: a decompression
// bomb (tar.zst packs 1 GiB of zeros into ~32 KiB). Empty if libarchive failed, or if the
// archive would exceed `max_archive_bytes`.
inline std::string MakeZeroArchive(TestArchiveFormat format, int64_t file_bytes, int files = 1,
                                   size_t max_archive_bytes = 4 << 20) {
  archive* writer = NewTestArchiveWriter(format);
  std::string bytes(max_archive_bytes, '\0');
  size_t used = 0;
  bool ok = archive_write_open_memory(writer, bytes.data(), bytes.size(), &used) == ARCHIVE_OK;
  const std::string zeros(1 << 20, '\0');
  for (int i = 0; ok && i < files; ++i) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, ("zeros-" + std::to_string(i)).c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, file_bytes);
    ok = archive_write_header(writer, entry) == ARCHIVE_OK;
    for (int64_t left = file_bytes; ok && left > 0; left -= static_cast<int64_t>(zeros.size())) {
      const size_t chunk = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(zeros.size())));
      ok = archive_write_data(writer, zeros.data(), chunk) == static_cast<la_ssize_t>(chunk);
    }
    archive_entry_free(entry);
  }
  ok = archive_write_close(writer) == ARCHIVE_OK && ok;
  archive_write_free(writer);
  bytes.resize(ok ? used : 0);
  return bytes;
}

}  // namespace kiln
