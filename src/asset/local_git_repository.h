// Checks a repository fetched by a file:// URI before git reads it. The URI's own path is
// checked against the file roots (file_uri_roots.h), but git then follows, without asking,
// paths the repository itself names: `objects/info/alternates` (objects read from other
// repositories), a `.git` file's `gitdir:` line, and symlinks inside the git directory.
// Any of those could read another repository on the server's disk, outside the roots.
//
// Not covered: a repository changed between this check and git's read (the operator's
// roots are expected to hold repositories that clients cannot write).
#pragma once

#include <string>

#include "asset/file_uri_roots.h"
#include "common/status.h"

namespace kiln {

// `path`: the repository's real path (a working tree with .git/, or a bare repository),
// already known to be under `roots`. PERMISSION_DENIED naming what reaches outside.
Status CheckLocalGitRepository(const std::string& path, const FileUriRoots& roots);

}  // namespace kiln
