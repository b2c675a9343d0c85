#include "auth/permission.h"

namespace kiln {

std::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kCasRead: return "cas-read";
    case Permission::kCasWrite: return "cas-write";
    case Permission::kAcRead: return "ac-read";
    case Permission::kAcWrite: return "ac-write";
    case Permission::kExecute: return "execute";
    case Permission::kAssetFetch: return "asset-fetch";
    case Permission::kAssetPush: return "asset-push";
    case Permission::kLogsRead: return "logs-read";
    case Permission::kLogsWrite: return "logs-write";
    case Permission::kWorker: return "worker";
    case Permission::kAdmin: return "admin";
  }
  return "unknown";
}

std::optional<Permission> ParsePermission(std::string_view name) {
  for (Permission permission : kAllPermissions) {
    if (PermissionName(permission) == name) return permission;
  }
  return std::nullopt;
}

std::string PermissionSet::ToString() const {
  std::string out;
  for (Permission permission : kAllPermissions) {
    if (!Contains(permission)) continue;
    if (!out.empty()) out += ", ";
    out += PermissionName(permission);
  }
  return out;
}

}  // namespace kiln
