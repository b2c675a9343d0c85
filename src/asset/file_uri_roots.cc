#include "asset/file_uri_roots.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "common/file_util.h"
#include "worker/path_beneath.h"
#include "common/hex_digit.h"

namespace kiln {
namespace {

constexpr std::string_view kFlag = "--asset-file-roots";

// The path part of a file URI, percent-decoded; INVALID_ARGUMENT for a remote host or a
// malformed escape.
StatusOr<std::string> DecodedPath(std::string_view uri) {
  std::string_view rest = uri.substr(uri.find(':') + 1);
  rest = rest.substr(0, rest.find_first_of("?#"));
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    const size_t slash = rest.find('/');
    const std::string_view host = rest.substr(0, slash);
    if (!host.empty() && host != "localhost") {
      return Status::InvalidArgument("file URIs naming a host (\"" + std::string(host) + "\") are not fetched");
    }
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  if (!rest.starts_with("/")) return Status::InvalidArgument("a file URI needs an absolute path");
  std::string path;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] != '%') {
      path += rest[i];
      continue;
    }
    const int high = i + 2 < rest.size() ? HexDigitValue(rest[i + 1]) : -1;
    const int low = i + 2 < rest.size() ? HexDigitValue(rest[i + 2]) : -1;
    if (high < 0 || low < 0) return Status::InvalidArgument("a file URI has a malformed %-escape");
    const char byte = static_cast<char>(high * 16 + low);
    if (byte == '\0') return Status::InvalidArgument("a file URI cannot contain %00");
    path += byte;
    i += 2;
  }
  return path;
}

StatusOr<std::string> RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr), std::free);
  if (!resolved) return ErrnoStatus("resolve", path, errno);
  return std::string(resolved.get());
}

bool IsUnder(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path == root || (path.starts_with(root) && path[root.size()] == '/');
}

}  // namespace

bool IsFileUri(std::string_view uri) { return uri.starts_with("file:/"); }

std::string FileUriForPath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '~' || c == '-') {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  return uri;
}

StatusOr<FileUriRoots> FileUriRoots::FromDirectories(const std::vector<std::string>& roots) {
  std::vector<std::string> resolved;
  for (const std::string& root : roots) {
    if (root.empty()) return Status::InvalidArgument(std::string(kFlag) + ": an empty directory name");
    auto real = RealPath(root);
    struct stat info {};
    if (!real.ok() || ::stat(real->c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      return Status::InvalidArgument(std::string(kFlag) + ": \"" + root + "\" is not an existing directory");
    }
    resolved.push_back(std::move(real).value());
  }
  return FileUriRoots(std::move(resolved));
}

StatusOr<std::string> FileUriRoots::Resolve(std::string_view uri) const {
  if (!IsFileUri(uri)) return Status::InvalidArgument("not a file URI");
  const auto refused = [&] {
    return Status(StatusCode::kPermissionDenied,
                  std::string(uri) + " is outside the directories kiln may read file URIs from (kiln serve " +
                      std::string(kFlag) + (roots_.empty() ? ", which is not set)" : ")"));
  };
  if (roots_.empty()) return refused();  // Before touching the filesystem: reveal nothing.
  auto path = DecodedPath(uri);
  if (!path.ok()) return path.status();
  auto real = RealPath(*path);
  if (!real.ok()) {
    // Whether a path outside the roots exists is itself not for clients to learn.
    const std::string normal = std::filesystem::path(*path).lexically_normal().string();
    for (const std::string& root : roots_) {
      if (IsUnder(normal, root)) return Status::NotFound("no such file: " + std::string(uri));
    }
    return refused();
  }
  for (const std::string& root : roots_) {
    if (IsUnder(*real, root)) return real;
  }
  return refused();
}

bool FileUriRoots::Contains(const std::string& real_path) const {
  for (const std::string& root : roots_) {
    if (IsUnder(real_path, root)) return true;
  }
  return false;
}

StatusOr<UniqueFd> FileUriRoots::Open(std::string_view uri) const {
  auto path = Resolve(uri);
  if (!path.ok()) return path.status();
  const std::string* root = nullptr;
  for (const std::string& candidate : roots_) {
    if (IsUnder(*path, candidate) && (!root || candidate.size() > root->size())) root = &candidate;
  }
  // The root itself is a directory; its own URI would leave nothing to open (and no
  // character after the root to skip).
  if (*path == *root) return Status::InvalidArgument(std::string(uri) + " names a directory, not a file");
  auto components = RelativePathComponents(std::string_view(*path).substr(*root == "/" ? 1 : root->size() + 1));
  if (!components.ok()) return components.status();
  if (components->empty()) return Status::InvalidArgument(std::string(uri) + " names a directory, not a file");
  const std::string name = components->back();
  components->pop_back();
  const auto changed = [&] {
    return Status(StatusCode::kPermissionDenied, std::string(uri) + " changed while it was being opened");
  };
  auto root_dir = OpenDirectory(*root);
  if (!root_dir.ok()) return root_dir.status();
  auto dir = OpenDirectoryBeneath(root_dir->get(), *components, /*create_missing=*/false);
  if (!dir.ok()) return dir.status().code() == StatusCode::kFailedPrecondition ? changed() : dir.status();
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
  UniqueFd file(::openat(dir->get(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!file.valid()) return errno == ELOOP ? changed() : ErrnoStatus("open", *path, errno);
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) return ErrnoStatus("stat", *path, errno);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(std::string(uri) + " is not a regular file");
  if (::fcntl(file.get(), F_SETFL, O_RDONLY) != 0) return ErrnoStatus("open", *path, errno);  // Blocking again.
  return file;
}

}  // namespace kiln
