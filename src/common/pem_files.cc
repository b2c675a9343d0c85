#include "common/pem_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <string_view>
#include <vector>

namespace kiln {
namespace {

// Certificates and keys are a few KiB; anything far larger is not what was meant.
constexpr std::streamsize kMaxPemFileBytes = 4 << 20;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using UniqueX509 = std::unique_ptr<X509, X509Free>;

StatusOr<std::string> ReadPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(path + ": cannot open: " + std::strerror(errno));
  std::string text(static_cast<size_t>(kMaxPemFileBytes) + 1, '\0');
  in.read(text.data(), kMaxPemFileBytes + 1);
  if (in.bad()) return Status::InvalidArgument(path + ": cannot read: " + std::strerror(errno));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > static_cast<size_t>(kMaxPemFileBytes)) {
    return Status::InvalidArgument(path + ": larger than 4 MiB, not a PEM certificate or key");
  }
  if (text.empty()) return Status::InvalidArgument(path + ": the file is empty");
  return text;
}

// OpenSSL's most recent error on this thread ("bad base64 decode", ...), and clears the queue.
std::string OpenSslError() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(code);
  return reason ? reason : "error " + std::to_string(code);
}

// Refuses to prompt: without it OpenSSL asks for an encrypted key's passphrase on the terminal.
int NoPassphrase(char*, int, int, void*) { return -1; }

// Every certificate in the file; an error if there is none or one does not parse.
StatusOr<std::vector<UniqueX509>> ReadCertificates(const std::string& path, std::string_view what) {
  auto text = ReadPemFile(path);
  if (!text.ok()) return text.status();
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  std::vector<UniqueX509> certs;
  ERR_clear_error();
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr)) certs.emplace_back(cert);
  // Reading stops at the end of the input with "no start line"; any other error is a
  // certificate that did not parse.
  const unsigned long error = ERR_peek_last_error();
  if (error != 0 && !(ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE)) {
    return Status::InvalidArgument(path + ": " + std::string(what) + " does not parse (certificate " +
                                   std::to_string(certs.size() + 1) + "): " + OpenSslError());
  }
  ERR_clear_error();
  if (certs.empty()) {
    return Status::InvalidArgument(path + ": no PEM certificate in it (expected " + std::string(what) +
                                   ", \"-----BEGIN CERTIFICATE-----\")");
  }
  return certs;
}

Status CheckValidNow(const std::string& path, X509* cert) {
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
    return Status::InvalidArgument(path + ": the certificate is not valid yet");
  }
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
    return Status::InvalidArgument(path + ": the certificate has expired");
  }
  return Status::Ok();
}

}  // namespace

Status CheckCertificateBundleFile(const std::string& path) {
  return ReadCertificates(path, "a CA certificate bundle").status();
}

Status CheckKeyPairFiles(const std::string& cert_path, const std::string& key_path) {
  auto certs = ReadCertificates(cert_path, "a certificate chain");
  if (!certs.ok()) return certs.status();
  KILN_RETURN_IF_ERROR(CheckValidNow(cert_path, certs->front().get()));
  auto text = ReadPemFile(key_path);
  if (!text.ok()) return text.status();
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  ERR_clear_error();
  std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    if (text->find("ENCRYPTED") != std::string::npos) {
      ERR_clear_error();
      return Status::InvalidArgument(key_path + ": the private key is encrypted; gRPC needs an unencrypted key");
    }
    return Status::InvalidArgument(key_path + ": no private key in it, or it does not parse: " + OpenSslError());
  }
  if (X509_check_private_key(certs->front().get(), key.get()) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument(key_path + ": the private key does not belong to the certificate in " + cert_path);
  }
  return Status::Ok();
}

}  // namespace kiln
