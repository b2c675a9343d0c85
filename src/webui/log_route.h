// GET /api/log?name=READ_NAME&offset=N: a running action's live stdout or stderr from
// offset N, for the operation page to poll while the action runs (a poll a second holds no
// server thread, where a streamed response would hold one per open page). Needs
// `logs-read` on the stream's instance, as a ByteStream read of it does.
//
// In a farm a stream lives on the frontend its worker is connected to; another frontend's
// streams are read through the farm's relay (services.remote_logs, the gRPC relay of
// server/logstream_relay.h), one short read of the holder per poll, and the answer names the
// holder ("relayed_from"). A server in no farm answers {"elsewhere": true, "holder": ID} for
// a name that is not its own.
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
