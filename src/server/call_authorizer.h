// Who is calling, and may they: the one place the gRPC service layer turns a call's
// transport credentials (a verified client certificate, the `authorization` header) into
// Credentials for the transport-neutral auth/request_authorizer.h, which the HTTP side
// shares, and checks the permission its RPC needs (auth/rpc_permissions.h) on the instance
// named in the request. Services call Check first, before doing anything for the request, and never
// look at credentials themselves. Refusals are UNAUTHENTICATED or PERMISSION_DENIED with the
// auth core's message, and go to the audit log (auth/denial_log.h).
//
// Without an auth file (a loopback-only server, as before authentication existed) every
// caller is the principal "anonymous" holding every permission on every instance.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/auth_policy_source.h"
#include "auth/denial_log.h"
#include "auth/principal.h"
#include "auth/request_authorizer.h"
#include "common/status.h"
#include "scheduler/caller.h"

namespace grpc {
class ServerContextBase;
}  // namespace grpc

namespace kiln {

class CallAuthorizer {
 public:
  // `policies` null: no auth file. `denials` may be null (nothing logged).
  CallAuthorizer(AuthPolicySource* policies, DenialLog* denials);

  // The caller's principal when it may call `method` (a full gRPC method path, from
  // server/rpc_methods.h) on `instance_name`; `is_log_stream` tells ByteStream calls on log
  // stream names from CAS ones.
  StatusOr<std::shared_ptr<const Principal>> Check(const grpc::ServerContextBase& context, std::string_view method,
                                                   std::string_view instance_name, bool is_log_stream = false) const;

  // For calls that name an operation rather than an instance (WaitExecution, GetOperation,
  // CancelOperation, ListOperations): the caller must hold the method's permission on some
  // instance; which operations it may see is then the scheduler's business (their owners).
  StatusOr<std::shared_ptr<const Principal>> CheckAnyInstance(const grpc::ServerContextBase& context,
                                                              std::string_view method) const;

  // Whom the scheduler's ownership checks see (scheduler/caller.h): the principal, an admin
  // if it holds `admin` on some instance. Without an auth file everyone is one caller,
  // "anonymous", who sees every operation, as before authentication existed.
  Caller CallerOf(const Principal& principal) const;

  bool enabled() const { return requests_.enabled(); }
  // The same decisions for callers on other transports (the HTTP port).
  const RequestAuthorizer& requests() const { return requests_; }

 private:
  // Authenticates, then asks `allowed` whether the principal may go on; logs refusals.
  template <typename Allowed>
  StatusOr<std::shared_ptr<const Principal>> Decide(const grpc::ServerContextBase& context, std::string_view method,
                                                    std::string_view instance_name, const Allowed& allowed) const;

  RequestAuthorizer requests_;
};

}  // namespace kiln
