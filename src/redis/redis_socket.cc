#include "redis/redis_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>

namespace kiln::redis {
namespace {

std::string Errno(std::string_view doing, int error) { return std::string(doing) + ": " + std::strerror(error); }

std::string TlsError(std::string_view doing) {
  std::string text(doing);
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text += std::string(": ") + buffer;
  }
  return text;
}

int MillisUntil(TimePoint deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SystemClock::Get()->Now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 1 << 30));
}

// OpenSSL writes with write(), which raises SIGPIPE on a connection the server reset and
// would kill the process. Blocks SIGPIPE on this thread around a TLS call and swallows one
// raised meanwhile (plain TCP uses send(MSG_NOSIGNAL) instead).
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~ScopedSigpipeBlock() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero{};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_, old_;
  bool was_pending_ = false;
};

bool IsIpLiteral(const std::string& host) {
  in6_addr address;
  return inet_pton(AF_INET, host.c_str(), &address) == 1 || inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

// A connected non-blocking TCP socket, or an error naming the last failure.
StatusOr<int> ConnectTcp(const Endpoint& endpoint, TimePoint deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  const std::string port = std::to_string(endpoint.port);
  if (const int error = getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &addresses); error != 0) {
    return Status::Unavailable(std::string("cannot resolve the host: ") + gai_strerror(error));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(addresses, freeaddrinfo);
  Status last = Status::Unavailable("no address");
  for (addrinfo* address = addresses; address != nullptr; address = address->ai_next) {
    const int fd = ::socket(address->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last = Status::Unavailable(Errno("socket", errno));
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int error = ::connect(fd, address->ai_addr, address->ai_addrlen) == 0 ? 0 : errno;
    if (error == EINPROGRESS) {
      pollfd waiting{fd, POLLOUT, 0};
      int ready;
      do ready = ::poll(&waiting, 1, MillisUntil(deadline));
      while (ready < 0 && errno == EINTR);
      if (ready == 0) {
        error = ETIMEDOUT;
      } else {
        socklen_t size = sizeof error;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
      }
    }
    if (error == 0) return fd;
    ::close(fd);
    last = Status::Unavailable(error == ETIMEDOUT ? std::string("connect: timed out") : Errno("connect", error));
  }
  return last;
}

}  // namespace

StatusOr<std::unique_ptr<RedisSocket>> RedisSocket::Connect(const Endpoint& endpoint, const RedisTlsContext* tls,
                                                            TimePoint deadline) {
  StatusOr<int> fd = ConnectTcp(endpoint, deadline);
  if (!fd.ok()) return fd.status();
  SSL* ssl = nullptr;
  if (tls != nullptr) {
    ssl = SSL_new(tls->get());
    if (ssl == nullptr) {
      ::close(*fd);
      return Status::Internal(TlsError("TLS"));
    }
  }
  std::unique_ptr<RedisSocket> socket(new RedisSocket(*fd, ssl));
  if (ssl != nullptr) {
    if (IsIpLiteral(endpoint.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), endpoint.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, endpoint.host.c_str());
      SSL_set1_host(ssl, endpoint.host.c_str());
    }
    SSL_set_fd(ssl, *fd);
    KILN_RETURN_IF_ERROR(socket->Handshake(deadline));
  }
  return socket;
}

Status RedisSocket::Handshake(TimePoint deadline) {
  while (true) {
    ERR_clear_error();
    const int result = SSL_connect(ssl_);
    if (result == 1) return Status::Ok();
    const int error = SSL_get_error(ssl_, result);
    if (error == SSL_ERROR_WANT_READ) {
      KILN_RETURN_IF_ERROR(Wait(POLLIN, deadline, "TLS handshake"));
    } else if (error == SSL_ERROR_WANT_WRITE) {
      KILN_RETURN_IF_ERROR(Wait(POLLOUT, deadline, "TLS handshake"));
    } else {
      const long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) {
        return Status::Unavailable(std::string("TLS handshake: server certificate not accepted: ") +
                                   X509_verify_cert_error_string(verify));
      }
      if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
        return Status::Unavailable("TLS handshake: connection closed by the server (is it a TLS port?)");
      }
      return Status::Unavailable(TlsError("TLS handshake"));
    }
  }
}

RedisSocket::~RedisSocket() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  ::close(fd_);
}

Status RedisSocket::Wait(short events, TimePoint deadline, std::string_view doing) {
  pollfd waiting{fd_, events, 0};
  while (true) {
    const int ready = ::poll(&waiting, 1, MillisUntil(deadline));
    if (ready > 0) return Status::Ok();
    if (ready == 0) return Status(StatusCode::kDeadlineExceeded, std::string(doing) + ": timed out");
    if (errno != EINTR) return Status::Unavailable(Errno(doing, errno));
  }
}

Status RedisSocket::WriteAll(std::string_view data, TimePoint deadline) {
  while (!data.empty()) {
    ssize_t written;
    if (ssl_ == nullptr) {
      written = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (written < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return Status::Unavailable(Errno("write", errno));
        KILN_RETURN_IF_ERROR(Wait(POLLOUT, deadline, "write"));
        continue;
      }
    } else {
      ScopedSigpipeBlock no_sigpipe;
      ERR_clear_error();
      const int size = static_cast<int>(std::min<size_t>(data.size(), 1 << 30));
      const int result = SSL_write(ssl_, data.data(), size);
      if (result <= 0) {
        const int error = SSL_get_error(ssl_, result);
        if (error == SSL_ERROR_WANT_WRITE) {
          KILN_RETURN_IF_ERROR(Wait(POLLOUT, deadline, "write"));
        } else if (error == SSL_ERROR_WANT_READ) {
          KILN_RETURN_IF_ERROR(Wait(POLLIN, deadline, "write"));
        } else if (error == SSL_ERROR_SYSCALL && errno != 0) {
          return Status::Unavailable(Errno("write", errno));
        } else {
          return Status::Unavailable(TlsError("TLS write"));
        }
        continue;
      }
      written = result;
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return Status::Ok();
}

StatusOr<size_t> RedisSocket::Read(char* buffer, size_t size, TimePoint deadline) {
  while (true) {
    if (ssl_ == nullptr) {
      const ssize_t got = ::recv(fd_, buffer, size, 0);
      if (got > 0) return static_cast<size_t>(got);
      if (got == 0) return Status::Unavailable("connection closed by the server");
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return Status::Unavailable(Errno("read", errno));
      KILN_RETURN_IF_ERROR(Wait(POLLIN, deadline, "waiting for a reply"));
      continue;
    }
    ScopedSigpipeBlock no_sigpipe;  // A TLS read may write too (key updates).
    ERR_clear_error();
    errno = 0;
    const int got = SSL_read(ssl_, buffer, static_cast<int>(std::min<size_t>(size, 1 << 30)));
    if (got > 0) return static_cast<size_t>(got);
    const int error = SSL_get_error(ssl_, got);
    if (error == SSL_ERROR_WANT_READ) {
      KILN_RETURN_IF_ERROR(Wait(POLLIN, deadline, "waiting for a reply"));
    } else if (error == SSL_ERROR_WANT_WRITE) {
      KILN_RETURN_IF_ERROR(Wait(POLLOUT, deadline, "waiting for a reply"));
    } else if (error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && errno == 0)) {
      return Status::Unavailable("connection closed by the server");
    } else if (error == SSL_ERROR_SYSCALL) {
      return Status::Unavailable(Errno("read", errno));
    } else {
      return Status::Unavailable(TlsError("TLS read"));
    }
  }
}

void RedisSocket::Shutdown() { ::shutdown(fd_, SHUT_RDWR); }

bool RedisSocket::IdleConnectionLost() {
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return true;
  pollfd waiting{fd_, POLLIN, 0};
  if (::poll(&waiting, 1, 0) == 0) return false;
  if (ssl_ == nullptr) return true;
  // TLS 1.3 servers send session tickets after the handshake: readable, but no data.
  ScopedSigpipeBlock no_sigpipe;
  ERR_clear_error();
  char byte;
  const int got = SSL_peek(ssl_, &byte, 1);
  return got > 0 || SSL_get_error(ssl_, got) != SSL_ERROR_WANT_READ;
}

}  // namespace kiln::redis
