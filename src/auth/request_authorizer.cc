#include "auth/request_authorizer.h"

#include <string>

namespace kiln {
namespace {

std::shared_ptr<const Principal> EveryPermissionEverywhere() {
  auto principal = std::make_shared<Principal>();
  principal->name = std::string(kAnonymousPrincipalName);
  Grant grant;
  for (Permission permission : kAllPermissions) grant.permissions.Add(permission);
  principal->grants.push_back(std::move(grant));
  return principal;
}

}  // namespace

RequestAuthorizer::RequestAuthorizer(AuthPolicySource* policies, DenialLog* denials)
    : policies_(policies), denials_(denials), everyone_(EveryPermissionEverywhere()) {}

StatusOr<std::shared_ptr<const Principal>> RequestAuthorizer::Decide(const Credentials& credentials,
                                                                     const RequestLabel& label,
                                                                     const Decision& allowed) const {
  if (!policies_) return everyone_;
  std::string principal_name = "an unauthenticated caller";
  Status denied;
  auto principal = policies_->Current()->Authenticate(credentials);
  if (principal.ok()) {
    principal_name = (*principal)->name;
    denied = allowed(**principal);
    if (denied.ok()) return principal;
    // A caller that presented nothing and is refused should learn that credentials would
    // help (Bazel then says so), not that "anonymous" lacks a permission.
    if (credentials.certificate_names.empty() && !credentials.authorization) {
      denied = Status(StatusCode::kUnauthenticated,
                      "no credentials were presented (bearer token, basic credentials or client certificate), and "
                      "anonymous callers may not do this: " +
                          denied.message());
    }
  } else {
    denied = principal.status();
  }
  RecordDenial(principal_name, label, denied);
  return denied;
}

StatusOr<std::shared_ptr<const Principal>> RequestAuthorizer::Check(const Credentials& credentials,
                                                                    Permission permission,
                                                                    const RequestLabel& label) const {
  return Decide(credentials, label,
                [&](const Principal& principal) { return Authorize(principal, permission, label.instance_name); });
}

void RequestAuthorizer::RecordDenial(std::string_view principal_name, const RequestLabel& label,
                                     const Status& denied) const {
  if (!denials_) return;
  const std::string peer = label.peer ? label.peer() : std::string();
  denials_->Record(Denial{principal_name, label.method, label.instance_name, peer, &denied});
}

}  // namespace kiln
