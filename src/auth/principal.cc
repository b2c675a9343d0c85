#include "auth/principal.h"

#include "auth/message_text.h"

namespace kiln {

bool InstancePatternCovers(std::string_view pattern, std::string_view instance_name) {
  if (pattern.empty()) return instance_name.empty();
  if (instance_name.size() < pattern.size() || instance_name.substr(0, pattern.size()) != pattern) return false;
  return instance_name.size() == pattern.size() || instance_name[pattern.size()] == '/';
}

bool Grant::CoversInstance(std::string_view instance_name) const {
  if (!restricted_to_instances) return true;
  for (const std::string& pattern : instances) {
    if (InstancePatternCovers(pattern, instance_name)) return true;
  }
  return false;
}

Status Authorize(const Principal& principal, Permission permission, std::string_view instance_name) {
  for (const Grant& grant : principal.grants) {
    if (!grant.CoversInstance(instance_name)) continue;
    if (grant.permissions.Contains(permission)) return Status::Ok();
    if (grant.permissions.Contains(Permission::kWorker) && ImpliedByWorker(permission)) return Status::Ok();
  }
  return Status(StatusCode::kPermissionDenied, "principal " + QuoteForMessage(principal.name) +
                                                   " lacks permission " + std::string(PermissionName(permission)) +
                                                   " on instance " + QuoteForMessage(instance_name));
}

Status AuthorizeAnyGrant(const Principal& principal, std::string_view instance_name) {
  for (const Grant& grant : principal.grants) {
    if (!grant.permissions.empty() && grant.CoversInstance(instance_name)) return Status::Ok();
  }
  return Status(StatusCode::kPermissionDenied, "principal " + QuoteForMessage(principal.name) +
                                                   " has no grant on instance " + QuoteForMessage(instance_name));
}

}  // namespace kiln
