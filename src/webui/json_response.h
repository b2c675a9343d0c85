// How the web UI's endpoints answer: JSON documents, and errors as {"error": "..."} with
// the HTTP status kiln's status maps to (http/http_handler.h: HttpStatusFor), so the pages
// can show the server's own message.
#pragma once

#include <string_view>

#include "common/status.h"
#include "http/http_handler.h"

namespace kiln {

// 200 with `json`; never cached (the pages poll).
void SendJson(HttpResponder& responder, std::string_view json);
// The error as JSON; 401 carries the same challenge SendStatus gives.
void SendJsonError(HttpResponder& responder, const Status& status);

}  // namespace kiln
