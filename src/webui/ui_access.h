// Who is calling a web UI endpoint, and may they. The pages show what gRPC shows, to whom
// gRPC shows it:
//   - operations: `execute` on some instance (as GetOperation and ListOperations), and then
//     only the caller's own operations unless it holds `admin` (scheduler/caller.h);
//   - an operation's Action and Command, and blobs: `cas-read` on the instance;
//   - live output: `logs-read` on the stream's instance;
//   - workers: `execute` on some instance to look, `admin` to drain.
// The router checks "a permission on one instance"; "on some instance" is checked here,
// with the same authorizer, so a token means the same on every port.
#pragma once

#include <memory>

#include "auth/permission.h"
#include "auth/request_authorizer.h"
#include "http/http_handler.h"
#include "scheduler/caller.h"

namespace kiln {

struct UiCaller {
  std::shared_ptr<const Principal> principal;
  Caller caller;  // Admin when it holds `admin` on some instance, or without an auth file.
};

// The caller when it holds `permission` on some instance; UNAUTHENTICATED or
// PERMISSION_DENIED otherwise (logged as refusals, like the router's).
StatusOr<UiCaller> RequireAnywhere(const RequestAuthorizer& authorizer, const HttpRequest& request,
                                   Permission permission);

// Whether `principal` holds `permission` on some instance.
bool HoldsAnywhere(const Principal& principal, Permission permission);

}  // namespace kiln
