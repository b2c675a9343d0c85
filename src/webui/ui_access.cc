#include "webui/ui_access.h"

#include <string>

namespace kiln {

bool HoldsAnywhere(const Principal& principal, Permission permission) {
  for (const Grant& grant : principal.grants) {
    if (grant.permissions.Contains(permission)) return true;
  }
  return false;
}

StatusOr<UiCaller> RequireAnywhere(const RequestAuthorizer& authorizer, const HttpRequest& request,
                                   Permission permission) {
  const std::string method = "HTTP " + request.method + " " + request.path;
  const RequestLabel label{method, "(any)", [&request] { return request.peer; }};
  auto principal = authorizer.Decide(request.credentials, label, [permission](const Principal& principal) {
    if (HoldsAnywhere(principal, permission)) return Status::Ok();
    return Status(StatusCode::kPermissionDenied, "principal \"" + principal.name + "\" has no " +
                                                     std::string(PermissionName(permission)) +
                                                     " permission on any instance");
  });
  if (!principal.ok()) return principal.status();
  UiCaller caller;
  caller.principal = std::move(principal).value();
  caller.caller = Caller{caller.principal->name,
                         !authorizer.enabled() || HoldsAnywhere(*caller.principal, Permission::kAdmin)};
  return caller;
}

}  // namespace kiln
