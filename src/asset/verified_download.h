// A download made safe to publish: the body is streamed into an unlinked temporary file
// (never held in memory, never visible, gone even after a crash) while it is hashed with
// the CAS's digest function and, if checksum.sri names another one, with that too. Only
// when the download is complete and the checksum matches does the caller get the file, to
// store as a blob or unpack; a failed or mismatching download leaves nothing behind.
#pragma once

#include <optional>
#include <string>

#include "asset/downloader.h"
#include "asset/sri.h"
#include "common/file_util.h"

namespace kiln {

struct DownloadedFile {
  UniqueFd fd;    // The whole body; read it with pread.
  Digest digest;  // Of the body, with the requested digest function.
};

// `temp_dir` must exist and be on a filesystem with room for the body. ABORTED if the body
// does not match `checksum`; otherwise the downloader's errors.
StatusOr<DownloadedFile> DownloadVerified(Downloader& downloader, const DownloadRequest& request,
                                          DigestFunction function, const std::optional<Sri>& checksum,
                                          const std::string& temp_dir, const std::atomic<bool>& stop);

}  // namespace kiln
