// The TLS settings every connection of one client shares (rediss://): the CAs that may sign
// the servers' certificates and, for servers that require client certificates
// (tls-auth-clients), the client's own certificate and key. Loaded once, so that a bad file
// fails at startup rather than on the first connection.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace kiln::redis {

class RedisTlsContext {
 public:
  // `ca_file` empty: the system's trusted CAs. `cert_file`/`key_file`: both or neither.
  static StatusOr<std::shared_ptr<RedisTlsContext>> Create(const std::string& ca_file, const std::string& cert_file,
                                                           const std::string& key_file);
  ~RedisTlsContext();
  RedisTlsContext(const RedisTlsContext&) = delete;
  RedisTlsContext& operator=(const RedisTlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }

 private:
  explicit RedisTlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

}  // namespace kiln::redis
