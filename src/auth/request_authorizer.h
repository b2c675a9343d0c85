// Who is calling, and may they -- for any transport: turns what the caller presented
// (credentials.h) into a principal with the auth file in force and asks a decision
// function whether that principal may go on, logging refusals (denial_log.h). The gRPC
// services reach it through server/call_authorizer.h (which knows the RPC table and how to
// read a call's certificate and metadata); the HTTP router (http/http_router.h) calls it
// with the permission a route needs. One place, so that a token or certificate means the
// same on every port.
//
// Without an auth file every caller is the principal "anonymous" holding every permission
// on every instance.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "auth/auth_policy_source.h"
#include "auth/credentials.h"
#include "auth/denial_log.h"
#include "auth/principal.h"
#include "common/status.h"

namespace kiln {

// What a refusal is logged under.
struct RequestLabel {
  std::string_view method;         // A gRPC method path, or "HTTP GET /cas/".
  std::string_view instance_name;  // Or "(any)".
  // The caller's address ("ipv4:127.0.0.1:53100"), asked for only when a refusal is logged.
  std::function<std::string()> peer;
};

class RequestAuthorizer {
 public:
  // `policies` null: no auth file. `denials` may be null (nothing logged).
  RequestAuthorizer(AuthPolicySource* policies, DenialLog* denials);

  // OK or the refusal (PERMISSION_DENIED, ...) for an authenticated principal.
  using Decision = std::function<Status(const Principal&)>;

  // The caller's principal when `allowed` lets it go on. UNAUTHENTICATED for credentials
  // that do not authenticate, and for a caller that presented none and was refused (so
  // that it learns credentials would help); otherwise `allowed`'s refusal.
  StatusOr<std::shared_ptr<const Principal>> Decide(const Credentials& credentials, const RequestLabel& label,
                                                    const Decision& allowed) const;
  // Decide with "`permission` on `instance_name`" (principal.h: Authorize).
  StatusOr<std::shared_ptr<const Principal>> Check(const Credentials& credentials, Permission permission,
                                                   const RequestLabel& label) const;
  // Logs a refusal decided before authentication (an RPC missing from the table).
  void RecordDenial(std::string_view principal_name, const RequestLabel& label, const Status& denied) const;

  bool enabled() const { return policies_ != nullptr; }
  // The principal every caller is without an auth file.
  const std::shared_ptr<const Principal>& everyone() const { return everyone_; }

 private:
  AuthPolicySource* policies_;
  DenialLog* denials_;
  std::shared_ptr<const Principal> everyone_;
};

}  // namespace kiln
