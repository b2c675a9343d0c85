// A Lua script the scheduler runs atomically on a node, named by its SHA-1 so that each call
// sends the 40-digit digest (EVALSHA) rather than the whole source; the client falls back
// to EVAL when a node does not know it yet (restarted, failed over, SCRIPT FLUSHed).
#pragma once

#include <string>

namespace kiln::redis {

class RedisScript {
 public:
  explicit RedisScript(std::string lua);

  const std::string& source() const { return source_; }
  // Lowercase hex SHA-1 of source(), as SCRIPT LOAD answers.
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

}  // namespace kiln::redis
