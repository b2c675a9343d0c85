// Which host user the sandbox runs as, and what that asks of the input root.
//
// Input files may be hardlinks to the server's CAS files (mode 0444, owned by the server's
// user). Whoever owns them can chmod them, and root in a user namespace that maps to the
// owner has the capabilities to do so, so the sandbox must not run as the server's user:
//   - A root server maps the sandbox's uid/gid 0 to nobody/nogroup (65534). The CAS files
//     stay owned by host root, which is unmapped inside: no capability applies to them and
//     the sandbox can neither write nor chmod them. To let the action write its tree, the
//     input root's directories (never its files) are handed to 65534 before the run.
//   - A non-root server can only map its own uid, so the sandbox runs as the server's user,
//     who owns the CAS files: hardlinked inputs would not be protected, so such a server
//     stages inputs by copy (ChosenRunner::may_hardlink_inputs). The host filesystem, and
//     with it the CAS directory, is read-only inside the sandbox.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"

namespace kiln {

inline constexpr uid_t kSandboxHostUid = 65534;  // nobody
inline constexpr gid_t kSandboxHostGid = 65534;  // nogroup

struct SandboxIdentity {
  uid_t host_uid;
  gid_t host_gid;
  // A root server maps another user and may keep setgroups (to drop its own groups); an
  // unprivileged one must deny setgroups before it may write gid_map.
  bool separate_user;
};

SandboxIdentity SandboxIdentityForThisServer();

// Writes the uid/gid maps of the child's user namespace: its 0 is identity's host ids.
Status WriteIdMaps(pid_t child, const SandboxIdentity& identity);

// With a separate user: chowns input_root and every directory below it to the sandbox's
// host ids. Files are left alone (they may be CAS hardlinks), symlinks are not followed.
Status HandOverDirectories(const std::string& input_root, const SandboxIdentity& identity);

// With a separate user: the first ancestor of `path` (excluding `path`) that others may not
// search, which the sandbox user therefore could not pass; "" if there is none.
std::string FirstUnsearchableAncestor(const std::string& path, const SandboxIdentity& identity);

}  // namespace kiln
