// Unpacks a downloaded archive (tar, optionally gzip/bzip2/xz/zstd-compressed, or zip;
// the format is detected from the content) into an empty directory, for FetchDirectory.
//
// Entries are checked before anything is written: absolute paths and ".." components are
// refused (the archive is rejected, nothing of it is imported), and libarchive is told
// never to write through a symlink, so an archive cannot write outside the directory.
// Regular files keep their executable bits, symlinks stay symlinks with their target
// verbatim, hard links become copies; devices, fifos and sockets are left out.
//
// What an archive may unpack to is bounded, while it is unpacked (a 32 KiB tar.zst can
// hold 1 GiB of zeros): the number of entries (with the parent directories their paths
// create, which an archive need not list), the total size of the files (a hard link
// counts its file's size again, since the import reads it again), and that total relative
// to the archive's own size. A limit is checked before the entry or block that would
// cross it is written, so the disk holds at most the limit's worth.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace kiln {

struct ArchiveLimits {
  int64_t max_unpacked_bytes = int64_t{10} << 30;
  int64_t max_entries = 1'000'000;
  // Unpacked bytes per byte of archive; 0: no ratio limit. An archive unpacking to at most
  // ratio_exempt_bytes is never refused for its ratio (small files of text or padding can
  // legitimately compress a thousandfold; 64 MiB of them harm nobody).
  int64_t max_ratio = 200;
  int64_t ratio_exempt_bytes = int64_t{64} << 20;
};

// `fd` is read from its start. ABORTED (with the entry's name) for a malformed or unsafe
// archive; RESOURCE_EXHAUSTED for an archive beyond `limits` (naming the limit, its flag
// and the figures) and when the disk is full; INTERNAL for other write errors. On error
// the destination may hold part of the archive: the caller removes it.
Status ExtractArchive(int fd, const std::string& destination, const ArchiveLimits& limits = {});

}  // namespace kiln
