// ExtractArchive (src/asset/archive_extractor.h) unpacks archives that Remote Asset clients
// name: any format libarchive reads (tar, cpio, zip, 7z, rar, ...) under any filter (gzip,
// xz, zstd, ...). Each input is unpacked into an empty directory inside a scratch
// directory, with small limits. Checked, whatever the archive:
//   - nothing appears beside the destination (no entry escapes it by "..", an absolute
//     path or a symlink), and the scratch directory's own file is untouched;
//   - the destination holds only directories, regular files and symlinks, no file is
//     setuid or setgid, and the files' bytes and the entries stay within the limits;
//   - errors are ABORTED or RESOURCE_EXHAUSTED (a bad or too large archive), never INTERNAL.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "asset/archive_extractor.h"
#include "fuzz_check.h"

namespace {

namespace fs = std::filesystem;

std::string g_scratch;  // Holds "sentinel" and, while an input runs, "out".

kiln::ArchiveLimits Limits() {
  kiln::ArchiveLimits limits;
  limits.max_unpacked_bytes = 1 << 20;
  limits.max_entries = 500;
  limits.max_ratio = 200;
  limits.ratio_exempt_bytes = 256 << 10;
  return limits;
}

// Removes `path` whatever modes the archive gave its directories.
void RemoveTree(const std::string& path) {
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_directory(error) && !it->is_symlink(error)) ::chmod(it->path().c_str(), 0700);
  }
  ::chmod(path.c_str(), 0700);
  fs::remove_all(path, error);
  FUZZ_CHECK(!fs::exists(fs::symlink_status(path)));
}

struct Contents {
  int64_t entries = 0;
  int64_t file_bytes = 0;
};

Contents CheckContents(const std::string& root) {
  Contents contents;
  std::error_code error;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, error), end;
  for (; !error && it != end; it.increment(error)) {
    struct stat st {};
    FUZZ_CHECK(::lstat(it->path().c_str(), &st) == 0);
    FUZZ_CHECK(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode) || S_ISLNK(st.st_mode));
    FUZZ_CHECK((st.st_mode & (S_ISUID | S_ISGID)) == 0 || S_ISDIR(st.st_mode));
    if (S_ISREG(st.st_mode)) contents.file_bytes += st.st_size;
    if (S_ISDIR(st.st_mode) && (st.st_mode & S_IRWXU) != S_IRWXU) ::chmod(it->path().c_str(), 0700);
    ++contents.entries;
  }
  return contents;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // In memory where /dev/shm can be written (every input writes up to a MiB), else in TMPDIR.
  std::string pattern = "/dev/shm/kiln-archive-fuzz-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    pattern = (fs::temp_directory_path() / "kiln-archive-fuzz-XXXXXX").string();
    FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr);
  }
  g_scratch = pattern;
  FILE* sentinel = std::fopen((g_scratch + "/sentinel").c_str(), "w");
  FUZZ_CHECK(sentinel != nullptr && std::fputs("sentinel", sentinel) >= 0 && std::fclose(sentinel) == 0);
  std::atexit([] { RemoveTree(g_scratch); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = ::memfd_create("archive", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(::write(fd, data, size) == static_cast<ssize_t>(size));
  const std::string out = g_scratch + "/out";
  FUZZ_CHECK(::mkdir(out.c_str(), 0700) == 0);

  const kiln::ArchiveLimits limits = Limits();
  const kiln::Status status = kiln::ExtractArchive(fd, out, limits);
  ::close(fd);
  if (!status.ok()) {
    FUZZ_CHECK(status.code() == kiln::StatusCode::kAborted || status.code() == kiln::StatusCode::kResourceExhausted);
  }

  int beside = 0;
  for (const auto& entry : fs::directory_iterator(g_scratch)) {
    FUZZ_CHECK(entry.path().filename() == "out" || entry.path().filename() == "sentinel");
    ++beside;
  }
  FUZZ_CHECK(beside == 2);
  struct stat sentinel {};
  FUZZ_CHECK(::lstat((g_scratch + "/sentinel").c_str(), &sentinel) == 0 && S_ISREG(sentinel.st_mode) &&
             sentinel.st_size == 8);
  const Contents contents = CheckContents(out);
  // The limits hold for what was written, even for a refused archive; a hard link is one
  // more name of an already counted file.
  FUZZ_CHECK(contents.file_bytes <= limits.max_unpacked_bytes);
  FUZZ_CHECK(contents.entries <= limits.max_entries);
  RemoveTree(out);
  return 0;
}
