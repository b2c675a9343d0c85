#include "webui/log_route.h"

#include "logstream/logstream_name.h"
#include "webui/json_response.h"
#include "webui/json_writer.h"
#include "webui/query_params.h"

namespace kiln {
namespace {

// Per poll: a second of a chatty action's output.
constexpr size_t kMaxReadBytes = 256 * 1024;

// What a read of the stream named in ?name= needs: `logs-read` on its parent, the instance.
StatusOr<std::optional<HttpRequirement>> LogRequirement(const HttpRequest& request) {
  const std::string name = QueryParams::Parse(request.query).GetOr("name", "");
  const std::optional<LogStreamName> parsed = ParseLogStreamName(name);
  if (!parsed || parsed->is_write_name()) return Status::InvalidArgument("not a log stream's read name: \"" + name + "\"");
  const size_t segment = parsed->read_name.rfind("logstreams/");
  const std::string parent = segment == 0 ? "" : parsed->read_name.substr(0, segment - 1);
  return std::optional<HttpRequirement>(HttpRequirement{Permission::kLogsRead, parent});
}

// What one poll answers, wherever the stream is.
struct PolledSlice {
  std::string data;
  bool finished = false;  // The writer finished and `data` reaches the end.
};

StatusOr<PolledSlice> ReadLocal(const LogStreamRegistry& registry, const std::string& name, int64_t from) {
  auto stream = registry.OpenForRead(name);
  if (!stream.ok()) return stream.status();
  LogStream::Slice slice = (*stream)->Read(from, kMaxReadBytes);
  const bool at_end = from + static_cast<int64_t>(slice.data.size()) >= slice.stored_size;
  return PolledSlice{std::move(slice.data), slice.finalized && at_end};
}

void Serve(const LogStreamRegistry& registry, RemoteLogReader* remote, HttpRequest& request, HttpResponder& responder) {
  const QueryParams params = QueryParams::Parse(request.query);
  const std::string name = params.GetOr("name", "");
  auto offset = params.GetInt("offset");
  if (!offset.ok()) return SendJsonError(responder, offset.status());
  const int64_t from = std::max<int64_t>(0, offset->value_or(0));
  JsonWriter json;
  json.BeginObject();
  const bool own = registry.IsOwnName(name);
  if (!own && remote == nullptr) {  // Not in a farm: nobody to ask.
    json.Key("elsewhere").Bool(true).Key("holder").String(LogStreamHolderOf(name)).EndObject();
    return SendJson(responder, json.str());
  }
  StatusOr<PolledSlice> slice = PolledSlice{};
  if (own) {
    slice = ReadLocal(registry, name, from);
  } else {
    auto relayed = remote->ReadSlice(name, from, kMaxReadBytes);
    if (relayed.ok()) slice = PolledSlice{std::move(relayed->data), relayed->finished};
    else slice = relayed.status();
  }
  if (!slice.ok()) return SendJsonError(responder, slice.status());
  if (!slice->finished) slice->data.resize(CompleteUtf8Prefix(slice->data));
  const int64_t next = from + static_cast<int64_t>(slice->data.size());
  json.Key("elsewhere").Bool(false);
  if (!own) json.Key("relayed_from").String(LogStreamHolderOf(name));
  json.Key("data").String(slice->data);
  json.Key("next_offset").Int(next);
  json.Key("finalized").Bool(slice->finished);
  json.EndObject();
  SendJson(responder, json.str());
}

}  // namespace

size_t CompleteUtf8Prefix(std::string_view data) {
  // Look back at most 3 bytes for the lead byte of a sequence that the data cuts short.
  for (size_t back = 1; back <= 3 && back <= data.size(); ++back) {
    const unsigned char c = static_cast<unsigned char>(data[data.size() - back]);
    if ((c & 0xc0) == 0x80) continue;  // A continuation byte: keep looking for its lead.
    size_t length = 1;
    if ((c & 0xe0) == 0xc0) length = 2;
    else if ((c & 0xf0) == 0xe0) length = 3;
    else if ((c & 0xf8) == 0xf0) length = 4;
    return length > back ? data.size() - back : data.size();
  }
  return data.size();
}

void AddLogRoute(HttpRouter& router, const WebUiServices& services) {
  const LogStreamRegistry* registry = services.log_streams;
  RemoteLogReader* remote = services.remote_logs;
  router.Handle("GET", "/api/log", HttpAccess::PerRequest(LogRequirement),
                [registry, remote](HttpRequest& request, HttpResponder& responder) {
                  Serve(*registry, remote, request, responder);
                });
}

}  // namespace kiln
