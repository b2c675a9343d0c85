// Which handler answers a request, and whether the caller may have it. Routes are a
// method and a path, either exact ("/healthz", and "/" itself) or a prefix ending in '/'
// ("/blob/"); the longest match wins, and a method's fallback route takes what nothing
// else matched (the bazel-remote cache protocol's "/INSTANCE/cas/HASH" has no fixed
// prefix). No route for the path: 404; the path served for other methods only: 405.
//
// Before a handler runs, the router authenticates the caller exactly as the gRPC services
// do (auth/request_authorizer.h: the same auth file, principals and grants) and checks the
// route's permission on its instance name: 401 without (valid) credentials, 403 without
// the permission, with the auth core's message. Public routes (health checks) skip that.
//
// Routes are added before the server starts; Serve is then thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/permission.h"
#include "auth/request_authorizer.h"
#include "http/http_handler.h"

namespace kiln {

// What a request needs: `permission` on `instance_name`.
struct HttpRequirement {
  Permission permission;
  std::string instance_name;
};

// Who may call a route.
class HttpAccess {
 public:
  // Anyone, no credentials looked at (health checks for load balancers).
  static HttpAccess Public() { return HttpAccess(nullptr); }
  // `permission` on `instance_name`, the same for every request.
  static HttpAccess Needs(Permission permission, std::string instance_name = "");
  // Decided per request (the permission or instance depends on the path or method): the
  // function returns what the request needs, nullopt for nothing (public), or an error
  // status answered as is (400 for a malformed path, ...) before anyone is authenticated.
  using Resolver = std::function<StatusOr<std::optional<HttpRequirement>>(const HttpRequest&)>;
  static HttpAccess PerRequest(Resolver resolver) { return HttpAccess(std::move(resolver)); }

  const Resolver& resolver() const { return resolver_; }

 private:
  explicit HttpAccess(Resolver resolver) : resolver_(std::move(resolver)) {}
  Resolver resolver_;  // Null: public.
};

class HttpRouter {
 public:
  // `authorizer` (not owned; outlives the router) decides who may call what.
  explicit HttpRouter(const RequestAuthorizer* authorizer) : authorizer_(authorizer) {}

  // `path`: exact, or a prefix when it ends in '/' (but "/" is exact). A later route for the same method and
  // path replaces the earlier one.
  void Handle(std::string method, std::string path, HttpAccess access, HttpHandler handler);
  // Takes the requests of `method` that no route's path matches.
  void HandleFallback(std::string method, HttpAccess access, HttpHandler handler);

  // Finds the route, authorizes the caller (setting request.principal) and runs the handler.
  void Serve(HttpRequest& request, HttpResponder& responder) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    bool fallback = false;
    HttpAccess access;
    HttpHandler handler;
  };
  const Route* Find(const HttpRequest& request, bool& path_known) const;
  Status Authorize(const Route& route, HttpRequest& request) const;

  const RequestAuthorizer* authorizer_;
  std::vector<Route> routes_;
};

}  // namespace kiln
