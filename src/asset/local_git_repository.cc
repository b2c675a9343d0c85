#include "asset/local_git_repository.h"

#include <sys/stat.h>

#include <filesystem>

namespace kiln {
namespace {

namespace fs = std::filesystem;

Status Refused(const std::string& what) {
  return Status(StatusCode::kPermissionDenied, what + ": a repository fetched by a file URI must not reach outside "
                                                     "the directories of kiln serve --asset-file-roots");
}

bool IsAlternatesFile(const fs::path& path) {
  const std::string name = path.filename().string();
  return (name == "alternates" || name == "http-alternates") && path.parent_path().filename() == "info" &&
         path.parent_path().parent_path().filename() == "objects";
}

}  // namespace

Status CheckLocalGitRepository(const std::string& path, const FileUriRoots& roots) {
  std::string git_dir = path;  // A bare repository, unless it has a .git.
  struct stat dot_git {};
  const std::string dot_git_path = path + "/.git";
  if (::lstat(dot_git_path.c_str(), &dot_git) == 0) {
    // A .git file (worktrees, submodules) names its git directory, which may be anywhere.
    if (!S_ISDIR(dot_git.st_mode)) return Refused(dot_git_path + " is not a directory (a gitdir file or a link)");
    git_dir = dot_git_path;
  }
  std::error_code error;
  for (fs::recursive_directory_iterator it(git_dir, fs::directory_options::none, error), end; it != end;
       it.increment(error)) {
    if (error) break;
    const fs::path& entry = it->path();
    if (it->is_symlink(error)) {
      std::error_code resolve_error;
      const fs::path target = fs::canonical(entry, resolve_error);
      if (!resolve_error && !roots.Contains(target.string())) return Refused(entry.string() + " links outside");
      continue;
    }
    if (IsAlternatesFile(entry) && it->is_regular_file(error) && it->file_size(error) > 0) {
      return Refused(entry.string() + " borrows objects from other repositories");
    }
  }
  if (error) return Status::Unavailable("reading the repository " + path + ": " + error.message());
  return Status::Ok();
}

}  // namespace kiln
