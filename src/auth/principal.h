// Who a caller is once authenticated, and what they may do: a principal is a name and its
// grants. Authorization is a walk over a handful of grants, with no locks and no
// allocation unless it denies. Principals are immutable and shared (a call may keep its
// principal after the auth file has been reloaded).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/permission.h"
#include "common/status.h"

namespace kiln {

// True when the instance-name pattern `pattern` covers `instance_name`: "" covers exactly
// the empty instance name; any other pattern covers the instance names it is a prefix of by
// whole path segments ("team/a" covers "team/a" and "team/a/x", not "team/ab").
bool InstancePatternCovers(std::string_view pattern, std::string_view instance_name);

// Some permissions on some instances.
struct Grant {
  PermissionSet permissions;
  // When false, the grant applies to every instance name and `instances` is empty.
  bool restricted_to_instances = false;
  std::vector<std::string> instances;  // Patterns, as InstancePatternCovers reads them.

  bool CoversInstance(std::string_view instance_name) const;
};

struct Principal {
  // The auth file's principal name, "anonymous", or "ISSUER#SUBJECT" for a JWT subject that
  // no principal lists. Appears in messages and logs; never a secret.
  std::string name;
  std::vector<Grant> grants;
};

// The name of the principal that calls without credentials get.
inline constexpr std::string_view kAnonymousPrincipalName = "anonymous";

// What running actions takes, and so what `worker` grants too: reading inputs from the CAS,
// uploading outputs to it (verified against their digests like any upload), and writing the
// live output streams the frontend created for the assignment. A worker principal needs no
// other grant to do its job, and gets nothing more (no action cache, no Execute).
inline bool ImpliedByWorker(Permission permission) {
  return permission == Permission::kCasRead || permission == Permission::kCasWrite ||
         permission == Permission::kLogsWrite;
}

// OK when some grant of `principal` holds `permission` on `instance_name` (or `worker`, for
// the permissions it implies); otherwise
// PERMISSION_DENIED naming the principal, the permission and the instance name.
Status Authorize(const Principal& principal, Permission permission, std::string_view instance_name);

// OK when some grant of `principal`, whatever its permissions, covers `instance_name`
// (GetCapabilities); otherwise PERMISSION_DENIED.
Status AuthorizeAnyGrant(const Principal& principal, std::string_view instance_name);

}  // namespace kiln
