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

// The page's scripts as one file, in the order web/js/order.txt lists them. One file, so
// that a page takes one or two of the server's connections (HTTP/1.1 holds a connection,
// and a server thread, per request in flight; a browser opens up to six per host to load
// files side by side).
const std::string& ScriptBundle() {
  static const std::string bundle = [] {
    std::string scripts;
    const EmbeddedWebFile* order = FindWebFile("js/order.txt");
    std::string_view names = order ? order->content : std::string_view();
    while (!names.empty()) {
      const size_t end = names.find('\n');
      const std::string_view name = names.substr(0, end);
      names = end == std::string_view::npos ? std::string_view() : names.substr(end + 1);
      if (name.empty()) continue;
      if (const EmbeddedWebFile* file = FindWebFile("js/" + std::string(name))) {
        scripts += "// --- " + std::string(name) + "\n";
        scripts += file->content;
        scripts += "\n";
      }
    }
    return scripts;
  }();
  return bundle;
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
    router.Handle(method, "/ui/app.js", HttpAccess::Public(), [](HttpRequest&, HttpResponder& responder) {
      ServeFile(EmbeddedWebFile{"app.js", ScriptBundle()}, responder);
    });
  }
}

}  // namespace kiln
