#include "server/call_authorizer.h"

#include <grpcpp/grpcpp.h>

#include "auth/rpc_permissions.h"
#include "server/peer_certificate_names.h"

namespace kiln {
namespace {

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

CallAuthorizer::CallAuthorizer(AuthPolicySource* policies, DenialLog* denials) : requests_(policies, denials) {}

template <typename Allowed>
StatusOr<std::shared_ptr<const Principal>> CallAuthorizer::Decide(const grpc::ServerContextBase& context,
                                                                  std::string_view method,
                                                                  std::string_view instance_name,
                                                                  const Allowed& allowed) const {
  if (!requests_.enabled()) return requests_.everyone();
  const RequestLabel label{method, instance_name, [&context] { return context.peer(); }};
  const std::optional<RpcRequirement> need = RequirementForMethod(method);
  if (!need) {
    // A method kiln serves but the table lacks: a bug, and refused rather than let through.
    Status denied(StatusCode::kPermissionDenied, "method " + std::string(method) + " has no permission assigned; refused");
    requests_.RecordDenial("an unauthenticated caller", label, denied);
    return denied;
  }
  return requests_.Decide(CredentialsOf(context), label,
                          [&](const Principal& principal) { return allowed(principal, *need); });
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
