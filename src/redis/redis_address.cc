#include "redis/redis_address.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/hex_digit.h"

namespace kiln::redis {

std::string Endpoint::ToString() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string RedisAddress::ToRedactedString() const {
  std::string out = tls ? "rediss://" : "redis://";
  if (!user.empty() || !password.empty()) out += user + (password.empty() ? "" : ":***") + "@";
  for (size_t i = 0; i < seeds.size(); ++i) out += (i > 0 ? "," : "") + seeds[i].ToString();
  return out;
}

namespace {

constexpr int kDefaultPort = 6379;

Status Invalid(std::string_view what) { return Status::InvalidArgument("redis URL: " + std::string(what)); }

// `field` names the part for the error message; the value itself is never repeated.
StatusOr<std::string> PercentDecode(std::string_view text, std::string_view field) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int high = i + 2 < text.size() ? HexDigitValue(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? HexDigitValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) return Invalid(std::string(field) + " has a '%' not followed by two hex digits");
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

StatusOr<Endpoint> ParseEndpoint(std::string_view text) {
  Endpoint endpoint;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return Invalid("'" + std::string(text) + "': '[' without ']'");
    endpoint.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) return Invalid("'" + std::string(text) + "': expected ':PORT' after ']'");
      port_text = rest.substr(1);
      if (port_text.empty()) return Invalid("'" + std::string(text) + "': empty port");
    }
  } else {
    const size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
      return Invalid("'" + std::string(text) + "': an IPv6 address needs brackets ([::1]:6379)");
    }
    endpoint.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return Invalid("'" + std::string(text) + "': empty port");
    }
  }
  if (endpoint.host.empty()) return Invalid("'" + std::string(text) + "': empty host");
  if (endpoint.host.find_first_of("/?#@ ") != std::string::npos) {
    return Invalid("'" + std::string(text) + "': invalid character in host");
  }
  endpoint.port = kDefaultPort;
  if (!port_text.empty()) {
    int port = 0;
    auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return Invalid("'" + std::string(text) + "': port must be a number from 1 to 65535");
    }
    endpoint.port = port;
  }
  return endpoint;
}

}  // namespace

StatusOr<RedisAddress> ParseRedisUrl(std::string_view url) {
  RedisAddress address;
  std::string_view rest;
  if (url.starts_with("redis://")) {
    rest = url.substr(8);
  } else if (url.starts_with("rediss://")) {
    rest = url.substr(9);
    address.tls = true;
  } else {
    return Status::InvalidArgument("redis URL must start with redis:// or rediss:// (TLS)");
  }
  // Hosts never contain '@', a raw one in a password would: split at the last.
  const size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      // USER@: the password comes from elsewhere (a password file), never from nowhere.
      StatusOr<std::string> user = PercentDecode(userinfo, "user");
      if (!user.ok()) return user.status();
      if (user->empty()) return Invalid("empty user before '@'");
      address.user = std::move(*user);
    } else {
      StatusOr<std::string> user = PercentDecode(userinfo.substr(0, colon), "user");
      if (!user.ok()) return user.status();
      StatusOr<std::string> password = PercentDecode(userinfo.substr(colon + 1), "password");
      if (!password.ok()) return password.status();
      if (password->empty()) return Invalid("empty password (leave out USER:PASSWORD@ for no authentication)");
      address.user = std::move(*user);
      address.password = std::move(*password);
    }
  }
  // Only database 0 exists in a cluster, so kiln never SELECTs: allow only "" or "/0".
  const size_t slash = rest.find_first_of("/?#");
  if (slash != std::string_view::npos) {
    std::string_view tail = rest.substr(slash);
    if (tail != "/" && tail != "/0") {
      return Invalid("unexpected '" + std::string(tail) + "' after the hosts (kiln uses database 0 only, and takes no options)");
    }
    rest = rest.substr(0, slash);
  }
  if (rest.empty()) return Invalid("no HOST:PORT");
  while (true) {
    const size_t comma = rest.find(',');
    StatusOr<Endpoint> endpoint = ParseEndpoint(rest.substr(0, comma));
    if (!endpoint.ok()) return endpoint.status();
    address.seeds.push_back(std::move(*endpoint));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return address;
}

StatusOr<std::string> ReadRedisPasswordFile(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return Status::InvalidArgument("redis password file " + path + ": " + std::strerror(errno));
  }
  if ((info.st_mode & S_IROTH) != 0) {
    return Status::InvalidArgument("redis password file " + path +
                                   " is readable by every user: chmod o-r it (0600 or 0640)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("redis password file " + path + ": cannot open");
  std::stringstream contents;
  contents << in.rdbuf();
  std::string password = contents.str();
  if (password.ends_with('\n')) password.pop_back();
  if (password.ends_with('\r')) password.pop_back();
  if (password.empty()) return Status::InvalidArgument("redis password file " + path + " is empty");
  return password;
}

}  // namespace kiln::redis
