// The pages themselves: every page address (/, /operations, /operations/NAME, /workers,
// /blob/...) answers the same HTML shell, whose scripts (under /ui/) read the address and
// draw that page from the JSON endpoints. Public: they hold code, no data. Served with a
// Content-Security-Policy that lets a page run only kiln's own scripts and talk only to
// kiln, so text from the CAS or an action's output can never run as code.
#pragma once

#include <string_view>

#include "http/http_router.h"
#include "webui/embedded_web_files.h"

namespace kiln {

void AddPageRoutes(HttpRouter& router);

// The embedded file at `path` ("js/app.js"), or null.
const EmbeddedWebFile* FindWebFile(std::string_view path);
// The Content-Type for a file name's extension.
std::string_view ContentTypeFor(std::string_view path);

}  // namespace kiln
