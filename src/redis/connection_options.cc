#include "redis/connection_options.h"

#include "redis/redis_tls_context.h"

namespace kiln::redis {

StatusOr<RedisConnectionOptions> ConnectionOptionsFor(const RedisAddress& address, const RedisClientOptions& options) {
  RedisConnectionOptions connection;
  connection.user = address.user;
  connection.password = address.password;
  connection.connect_timeout = options.connect_timeout;
  if (address.tls) {
    StatusOr<std::shared_ptr<RedisTlsContext>> tls =
        RedisTlsContext::Create(options.tls_ca_file, options.tls_cert_file, options.tls_key_file);
    if (!tls.ok()) return tls.status();
    connection.tls = std::move(*tls);
  }
  return connection;
}

}  // namespace kiln::redis
