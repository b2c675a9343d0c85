#include "server/call_authorizer.h"

#include <grpcpp/grpcpp.h>

#include "auth/rpc_permissions.h"
#include "server/peer_certificate_names.h"

namespace kiln {
namespace {

std::shared_ptr<const Principal> EveryPermissionEverywhere() {
  auto principal = std::make_shared<Principal>();
  principal->name = std::string(kAnonymousPrincipalName);
  Grant grant;
  for (int i = 0; i <= static_cast<int>(Permission::kAdmin); ++i) grant.permissions.Add(static_cast<Permission>(i));
  principal->grants.push_back(std::move(grant));
  return principal;
}

Credentials CredentialsOf(const grpc::ServerContextBase& context) {
  Credentials credentials;
  if (auto names = VerifiedPeerCertificateNames(context)) credentials.certificate_names = names->All();
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    credentials.authorization.emplace(it->second.data(), it->second.size());
  }
  return credentials;
}

bool HoldsAnywhere(const Principal& principal, Permission permission) {
  for (const Grant& grant : principal.grants) {
    if (grant.permissions.Contains(permission)) return true;
  }
  return false;
}

}  // namespace

CallAuthorizer::CallAuthorizer(AuthPolicySource* policies, DenialLog* denials)
    : policies_(policies), denials_(denials), everyone_(EveryPermissionEverywhere()) {}

template <typename Allowed>
StatusOr<std::shared_ptr<const Principal>> CallAuthorizer::Decide(const grpc::ServerContextBase& context,
                                                                  std::string_view method,
                                                                  std::string_view instance_name,
                                                                  const Allowed& allowed) const {
  if (!policies_) {
    if (principals_) principals_->Record(&context, everyone_->name);
    return everyone_;
  }
  const std::optional<RpcRequirement> need = RequirementForMethod(method);
  std::string principal_name = "an unauthenticated caller";
  Status denied;
  if (!need) {
    // A method kiln serves but the table lacks: a bug, and refused rather than let through.
    denied = Status(StatusCode::kPermissionDenied, "method " + std::string(method) + " has no permission assigned; refused");
  } else {
    const Credentials credentials = CredentialsOf(context);
    auto principal = policies_->Current()->Authenticate(credentials);
    if (principal.ok()) {
      principal_name = (*principal)->name;
      if (principals_) principals_->Record(&context, principal_name);
      denied = allowed(**principal, *need);
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
  }
  if (denials_) {
    const std::string peer = context.peer();
    denials_->Record(Denial{principal_name, method, instance_name, peer, &denied});
  }
  return denied;
}

StatusOr<std::shared_ptr<const Principal>> CallAuthorizer::Check(const grpc::ServerContextBase& context,
                                                                 std::string_view method, std::string_view instance_name,
                                                                 bool is_log_stream) const {
  return Decide(context, method, instance_name, [&](const Principal& principal, const RpcRequirement& need) {
    return AuthorizeRpc(principal, need, instance_name, is_log_stream);
  });
}

StatusOr<std::shared_ptr<const Principal>> CallAuthorizer::CheckAnyInstance(const grpc::ServerContextBase& context,
                                                                            std::string_view method) const {
  return Decide(context, method, "(any)", [&](const Principal& principal, const RpcRequirement& need) {
    if (need.kind == RpcRequirement::Kind::kPermission && HoldsAnywhere(principal, need.permission)) return Status::Ok();
    return Status(StatusCode::kPermissionDenied, "principal \"" + principal.name + "\" has no " +
                                    std::string(PermissionName(need.permission)) + " permission on any instance");
  });
}

Caller CallAuthorizer::CallerOf(const Principal& principal) const {
  return Caller{principal.name, !enabled() || HoldsAnywhere(principal, Permission::kAdmin)};
}

}  // namespace kiln
