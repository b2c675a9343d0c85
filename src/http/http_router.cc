#include "http/http_router.h"

namespace kiln {

HttpAccess HttpAccess::Needs(Permission permission, std::string instance_name) {
  return HttpAccess([permission, instance = std::move(instance_name)](const HttpRequest&)
                        -> StatusOr<std::optional<HttpRequirement>> {
    return std::optional<HttpRequirement>(HttpRequirement{permission, instance});
  });
}

void HttpRouter::Handle(std::string method, std::string path, HttpAccess access, HttpHandler handler) {
  // "/" alone is exact (the web UI's front page): as a prefix it would take every path,
  // which is what a fallback route is for.
  const bool prefix = path.size() > 1 && path.back() == '/';
  for (Route& route : routes_) {
    if (!route.fallback && route.method == method && route.path == path) {
      route.access = std::move(access);
      route.handler = std::move(handler);
      return;
    }
  }
  routes_.push_back(Route{std::move(method), std::move(path), prefix, false, std::move(access), std::move(handler)});
}

void HttpRouter::HandleFallback(std::string method, HttpAccess access, HttpHandler handler) {
  for (Route& route : routes_) {
    if (route.fallback && route.method == method) {
      route.access = std::move(access);
      route.handler = std::move(handler);
      return;
    }
  }
  routes_.push_back(Route{std::move(method), "", false, true, std::move(access), std::move(handler)});
}

const HttpRouter::Route* HttpRouter::Find(const HttpRequest& request, bool& path_known) const {
  const Route* best = nullptr;
  const Route* fallback = nullptr;
  path_known = false;
  for (const Route& route : routes_) {
    if (route.fallback) {
      if (route.method == request.method) fallback = &route;
      continue;
    }
    const bool matches = route.prefix ? request.path.starts_with(route.path) : request.path == route.path;
    if (!matches) continue;
    path_known = true;
    if (route.method != request.method) continue;
    if (!best || route.path.size() > best->path.size()) best = &route;
  }
  if (best) return best;
  if (path_known) return nullptr;  // 405: the path exists for other methods.
  return fallback;
}

Status HttpRouter::Authorize(const Route& route, HttpRequest& request) const {
  request.principal = nullptr;
  if (!route.access.resolver()) return Status::Ok();
  auto need = route.access.resolver()(request);
  if (!need.ok()) return need.status();
  if (!need->has_value()) return Status::Ok();
  // The route, not the request's path: refusals are logged once per principal and method.
  const std::string label_method = "HTTP " + request.method + " " + (route.fallback ? std::string("*") : route.path);
  const RequestLabel label{label_method, (*need)->instance_name, [&request] { return request.peer; }};
  auto principal = authorizer_->Check(request.credentials, (*need)->permission, label);
  if (!principal.ok()) return principal.status();
  request.principal = std::move(principal).value();
  return Status::Ok();
}

void HttpRouter::Serve(HttpRequest& request, HttpResponder& responder) const {
  bool path_known = false;
  const Route* route = Find(request, path_known);
  if (!route) {
    if (path_known) {
      (void)responder.Send(405, "text/plain; charset=utf-8", "method not allowed: " + request.method + "\n");
    } else {
      (void)SendStatus(responder, Status::NotFound("no such path: " + request.path));
    }
    return;
  }
  if (Status allowed = Authorize(*route, request); !allowed.ok()) {
    (void)SendStatus(responder, allowed);
    return;
  }
  route->handler(request, responder);
}

}  // namespace kiln
