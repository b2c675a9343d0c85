// Unpacks a downloaded archive (tar, optionally gzip/bzip2/xz/zstd-compressed, or zip;
// the format is detected from the content) into an empty directory, for FetchDirectory.
//
// Entries are checked before anything is written: absolute paths and ".." components are
// refused (the archive is rejected, nothing of it is imported), and libarchive is told
// never to write through a symlink, so an archive cannot write outside the directory.
// Regular files keep their executable bits, symlinks stay symlinks with their target
// verbatim, hard links become copies; devices, fifos and sockets are left out.
#pragma once

#include <string>

#include "common/status.h"

namespace kiln {

// `fd` is read from its start. ABORTED (with the entry's name) for a malformed or unsafe
// archive; RESOURCE_EXHAUSTED when the disk is full; INTERNAL for other write errors.
Status ExtractArchive(int fd, const std::string& destination);

}  // namespace kiln
