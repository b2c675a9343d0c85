// The byte stream under a Redis connection: TCP, or TLS over TCP (OpenSSL), on a
// non-blocking socket where every wait is a poll() with a deadline, so that no caller ever
// blocks longer than it asked for on a server that hangs or a network that drops packets.
// Errors are UNAVAILABLE with a short "what happened" message (DEADLINE_EXCEEDED for a wait
// that timed out); RedisConnection adds which server.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "redis/redis_address.h"
#include "redis/redis_tls_context.h"

typedef struct ssl_st SSL;

namespace kiln::redis {

class RedisSocket {
 public:
  // Resolves and connects (TCP, then the TLS handshake if `tls` is set, verifying that the
  // certificate names endpoint.host) before `deadline`. Name resolution itself is not
  // bounded by the deadline (getaddrinfo): use IP addresses where that matters.
  static StatusOr<std::unique_ptr<RedisSocket>> Connect(const Endpoint& endpoint, const RedisTlsContext* tls,
                                                        TimePoint deadline);
  ~RedisSocket();
  RedisSocket(const RedisSocket&) = delete;
  RedisSocket& operator=(const RedisSocket&) = delete;

  Status WriteAll(std::string_view data, TimePoint deadline);
  // Waits until some bytes arrive (at most `size`), the connection ends, or the deadline.
  StatusOr<size_t> Read(char* buffer, size_t size, TimePoint deadline);

  // Thread-safe, unlike everything else: makes a Read or WriteAll that another thread is
  // waiting in fail at once (for prompt shutdown of a subscriber).
  void Shutdown();

  // For idle pooled connections: true if the server has closed the connection (or sent
  // something nobody asked for), so that it must not be used for a command.
  bool IdleConnectionLost();

 private:
  RedisSocket(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  // Waits for `events` on the socket until `deadline`; `doing` names the wait for errors.
  Status Wait(short events, TimePoint deadline, std::string_view doing);
  Status Handshake(TimePoint deadline);

  const int fd_;
  SSL* ssl_;  // Null for plain TCP.
};

}  // namespace kiln::redis
