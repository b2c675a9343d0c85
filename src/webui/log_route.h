// GET /api/log?name=READ_NAME&offset=N: a running action's live stdout or stderr from
// offset N, for the operation page to poll while the action runs (a poll a second holds no
// server thread, where a streamed response would hold one per open page). Needs
// `logs-read` on the stream's instance, as a ByteStream read of it does.
//
// In a farm a stream lives on the frontend its worker is connected to. This endpoint reads
// this server's streams only; for another frontend's it answers {"elsewhere": true,
// "holder": ID} and the page says to open it on that frontend, rather than relaying (the
// gRPC relay, server/logstream_relay.h, serves ByteStream reads).
#pragma once

#include <string>
#include <string_view>

#include "http/http_router.h"
#include "webui/web_ui_services.h"

namespace kiln {

// REQUIRES: services.log_streams set.
void AddLogRoute(HttpRouter& router, const WebUiServices& services);

// The longest prefix of `data` that does not end inside a UTF-8 sequence (a read may stop
// mid-character; the rest comes with the next poll).
size_t CompleteUtf8Prefix(std::string_view data);

}  // namespace kiln
