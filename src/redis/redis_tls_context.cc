#include "redis/redis_tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace kiln::redis {
namespace {

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace

StatusOr<std::shared_ptr<RedisTlsContext>> RedisTlsContext::Create(const std::string& ca_file,
                                                                   const std::string& cert_file,
                                                                   const std::string& key_file) {
  if (cert_file.empty() != key_file.empty()) {
    return Status::InvalidArgument("redis TLS: a client certificate needs its key and a key its certificate");
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return Status::Internal("redis TLS: " + OpenSslError());
  std::shared_ptr<RedisTlsContext> context(new RedisTlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  const int loaded = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                     : SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
  if (loaded != 1) {
    return Status::InvalidArgument("redis TLS: cannot load CA certificates" +
                                   (ca_file.empty() ? std::string() : " from " + ca_file) + ": " + OpenSslError());
  }
  if (!cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
      return Status::InvalidArgument("redis TLS: cannot load the client certificate " + cert_file + ": " +
                                     OpenSslError());
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      return Status::InvalidArgument("redis TLS: cannot use the client key " + key_file + ": " + OpenSslError());
    }
  }
  return context;
}

RedisTlsContext::~RedisTlsContext() { SSL_CTX_free(ctx_); }

}  // namespace kiln::redis
