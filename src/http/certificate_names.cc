#include "http/certificate_names.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace kiln {
namespace {

std::string Text(const ASN1_STRING* text) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                     static_cast<size_t>(ASN1_STRING_length(text)));
}

}  // namespace

std::vector<std::string> CertificateNames(X509* certificate) {
  std::vector<std::string> names;
  if (!certificate) return names;
  const X509_NAME* subject = X509_get_subject_name(certificate);
  if (const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); index >= 0) {
    names.push_back(Text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index))));
  }
  auto* alt_names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  if (!alt_names) return names;
  std::vector<std::string> uris;
  for (int i = 0; i < sk_GENERAL_NAME_num(alt_names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(alt_names, i);
    if (name->type == GEN_DNS) names.push_back(Text(name->d.dNSName));
    if (name->type == GEN_URI) uris.push_back(Text(name->d.uniformResourceIdentifier));
  }
  GENERAL_NAMES_free(alt_names);
  names.insert(names.end(), uris.begin(), uris.end());
  return names;
}

}  // namespace kiln
