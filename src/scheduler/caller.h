// Who asks the scheduler about operations. An operation is visible only to the principals
// that created or joined it, and to admins: a client can neither watch another's operation,
// nor read its result or its live log stream names, nor cancel it, nor learn that its name
// exists. The service layer says who the caller is (CallAuthorizer::CallerOf, server/call_authorizer.h); the
// scheduler only compares names.
#pragma once

#include <string>

namespace kiln {

struct Caller {
  // The authenticated principal's name (auth/principal.h), e.g. "ci" or "anonymous".
  std::string principal;
  // Sees and may cancel every operation (the `admin` permission).
  bool admin = false;

  // kiln itself (the local worker pool, the worker service watching what it assigned):
  // sees everything. Spelled out at each call site so that granting all is never implicit.
  static Caller Internal() { return Caller{"kiln (internal)", true}; }
};

}  // namespace kiln
