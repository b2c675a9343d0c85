#include "webui/page_routes.h"

#include <string>

namespace kiln {
namespace {

constexpr std::string_view kAssetPrefix = "/ui/";

void ServeFile(const EmbeddedWebFile& file, HttpResponder& responder) {
  HttpHeaders headers;
  headers.Add("Content-Type", std::string(ContentTypeFor(file.path)));
  // Revalidated on every load: after an upgrade a page never mixes old and new scripts.
  headers.Add("Cache-Control", "no-cache");
  headers.Add("X-Content-Type-Options", "nosniff");
  headers.Add("Content-Security-Policy",
              "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
              "frame-ancestors 'none'; form-action 'self'");
  headers.Add("Referrer-Policy", "no-referrer");
  (void)responder.Send(200, std::move(headers), file.content);
}

void ServeShell(HttpRequest&, HttpResponder& responder) {
  const EmbeddedWebFile* shell = FindWebFile("index.html");
  if (!shell) return (void)SendStatus(responder, Status::Internal("index.html is not embedded"));
  ServeFile(*shell, responder);
}

void ServeAsset(HttpRequest& request, HttpResponder& responder) {
  const std::string_view path = std::string_view(request.path).substr(kAssetPrefix.size());
  const EmbeddedWebFile* file = FindWebFile(path);
  if (!file) return (void)SendStatus(responder, Status::NotFound("no such file: " + request.path));
  ServeFile(*file, responder);
}

}  // namespace

const EmbeddedWebFile* FindWebFile(std::string_view path) {
  for (const EmbeddedWebFile& file : EmbeddedWebFiles()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

std::string_view ContentTypeFor(std::string_view path) {
  const auto ends_with = [path](std::string_view suffix) { return path.ends_with(suffix); };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

void AddPageRoutes(HttpRouter& router) {
  for (const char* method : {"GET", "HEAD"}) {
    for (const char* page : {"/", "/operations", "/operations/", "/workers", "/blob/"}) {
      router.Handle(method, page, HttpAccess::Public(), ServeShell);
    }
    router.Handle(method, std::string(kAssetPrefix), HttpAccess::Public(), ServeAsset);
  }
}

}  // namespace kiln
