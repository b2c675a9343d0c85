// The blob browser's endpoints, by digest: GET /api/blob/FUNCTION/HASH/SIZE decodes a blob
// (blob_decoder.h) for the page to show linked (a Directory's children, an Action's
// command and input root), or describes a file with a preview of its start when it is
// text; GET /api/raw/FUNCTION/HASH/SIZE streams its bytes (?name= makes it a download of
// that name). Both need `cas-read` on ?instance= (default: the default instance ""), as
// a ByteStream read does.
#pragma once

#include "http/http_router.h"
#include "webui/web_ui_services.h"

namespace kiln {

// REQUIRES: services.cas set.
void AddBlobRoutes(HttpRouter& router, const WebUiServices& services);

// "FUNCTION/HASH/SIZE" (what follows the route's prefix) as a digest; INVALID_ARGUMENT
// saying what is wrong otherwise.
StatusOr<Digest> ParseDigestPath(std::string_view path);

}  // namespace kiln
