#include "webui/json_response.h"

#include <string>

#include "webui/json_writer.h"

namespace kiln {

void SendJson(HttpResponder& responder, std::string_view json) {
  HttpHeaders headers;
  headers.Add("Content-Type", "application/json");
  headers.Add("Cache-Control", "no-store");
  (void)responder.Send(200, std::move(headers), json);
}

void SendJsonError(HttpResponder& responder, const Status& status) {
  HttpHeaders headers;
  headers.Add("Content-Type", "application/json");
  headers.Add("Cache-Control", "no-store");
  const int http_status = HttpStatusFor(status.code());
  // A browser asked with this challenge prompts for a user and password (Basic
  // credentials, which the auth file can grant), then repeats the request with them.
  if (http_status == 401) headers.Add("WWW-Authenticate", "Basic realm=\"kiln\", Bearer realm=\"kiln\"");
  JsonWriter json;
  json.BeginObject().Key("error").String(status.ToString()).EndObject();
  (void)responder.Send(http_status, std::move(headers), json.str());
}

}  // namespace kiln
