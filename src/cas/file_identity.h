// What a stored blob's file looked like when its bytes were last checked against the
// digest, reduced to one 64-bit stamp, so that a read can skip re-hashing a file nothing has
// touched since.
//
// The stamp covers device, inode, size, modification time and change time, in
// nanoseconds. Any write to the file changes its mtime, and any write, chmod, chown,
// utimensat or link changes its ctime, which no unprivileged user can set back: a file
// with the same stamp has not been changed through the file system since it was verified.
// What a stamp cannot see is damage below the file system (bit rot, a bad disk); the
// scrubber (blob_scrubber.h) re-hashes every blob in turn for that.
#pragma once

#include <sys/stat.h>

#include <cstdint>

namespace kiln {

// Never 0, which the index uses for "not verified".
uint64_t FileIdentityStamp(const struct stat& st);

}  // namespace kiln
