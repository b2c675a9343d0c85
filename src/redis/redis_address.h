// Where the farm's backplane lives, as one URL flag: redis://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...]
// (rediss:// for TLS). Several HOST:PORT are seeds: any reachable one will do, standalone or
// cluster. A password in a URL shows in `ps` and shell history, so ReadRedisPasswordFile
// gives the CLI a way to keep it in a file instead.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kiln::redis {

struct Endpoint {
  std::string host;  // A name or an IP literal (IPv6 without brackets).
  int port = 0;

  // "host:port", "[::1]:port" for IPv6.
  std::string ToString() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

struct RedisAddress {
  std::vector<Endpoint> seeds;  // Never empty once parsed.
  // Empty: the "default" user (AUTH with the password only). USER@ without a password in
  // the URL leaves `password` empty for the caller to fill (kiln serve: from a file).
  std::string user;
  std::string password;         // Empty: no AUTH.
  bool tls = false;

  // The URL without the password (for logs and error messages).
  std::string ToRedactedString() const;
};

// Parses the URL forms above. User and password are percent-decoded (so that ':' '@' '/'
// can appear in them). INVALID_ARGUMENT naming what is wrong; the message never repeats
// the password.
StatusOr<RedisAddress> ParseRedisUrl(std::string_view url);

// The password in file `path`: its contents without one trailing newline ("\n" or "\r\n").
// INVALID_ARGUMENT if the file cannot be read, is empty, or can be read by other users
// (a password file should be mode 0600 or 0640).
StatusOr<std::string> ReadRedisPasswordFile(const std::string& path);

}  // namespace kiln::redis
