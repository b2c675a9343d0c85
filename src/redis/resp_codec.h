// RESP2 on the wire. Commands are encoded here (an array of bulk strings: a dozen lines,
// appended to one buffer so that a whole pipeline is a single write); replies are decoded
// by hiredis' reader, which copes with replies split across reads at any byte, and are
// converted into Reply trees. hiredis is used for nothing else: kiln does its own socket
// I/O so that it can speak TLS and bound every wait.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "redis/redis_reply.h"

namespace kiln::redis {

// Appends `argv` as one RESP command to `out`. Arguments are binary-safe.
void AppendCommand(const std::vector<std::string>& argv, std::string& out);

// Incremental reply decoder. Not thread-safe.
class RespDecoder {
 public:
  RespDecoder();
  ~RespDecoder();
  RespDecoder(const RespDecoder&) = delete;
  RespDecoder& operator=(const RespDecoder&) = delete;

  // Bytes as they arrived from the server.
  Status Feed(std::string_view bytes);
  // The next complete reply, nullopt if more bytes are needed, or INTERNAL on a protocol
  // error (the stream cannot be trusted any more).
  StatusOr<std::optional<Reply>> Next();

 private:
  struct Reader;
  std::unique_ptr<Reader> reader_;
};

}  // namespace kiln::redis
