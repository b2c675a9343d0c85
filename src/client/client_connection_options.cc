#include "client/client_connection_options.h"

#include "common/pem_files.h"

namespace kiln {

StatusOr<ClientTarget> ParseClientTarget(const std::string& target) {
  if (target.empty()) return Status::InvalidArgument("the target is empty");
  ClientTarget parsed;
  std::string_view rest = target;
  if (rest.starts_with("grpcs://")) {
    parsed.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("grpc://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("http://") || rest.starts_with("https://")) {
    return Status::InvalidArgument("target \"" + target + "\": use grpcs://HOST:PORT for TLS, grpc://HOST:PORT or "
                                   "HOST:PORT for plaintext");
  }
  if (rest.empty()) return Status::InvalidArgument("target \"" + target + "\": expected HOST:PORT after the scheme");
  parsed.address = std::string(rest);
  return parsed;
}

StatusOr<std::vector<std::string>> SplitClientTargetList(std::string_view list) {
  const std::string whole(list);
  std::vector<std::string> targets;
  while (true) {
    const size_t comma = list.find(',');
    std::string target(list.substr(0, comma));
    if (target.empty()) return Status::InvalidArgument("empty target in the list \"" + whole + "\"");
    KILN_RETURN_IF_ERROR(ParseClientTarget(target).status());
    for (const std::string& earlier : targets) {
      if (earlier == target) return Status::InvalidArgument("target \"" + target + "\" is listed twice");
    }
    targets.push_back(std::move(target));
    if (comma == std::string_view::npos) return targets;
    list.remove_prefix(comma + 1);
  }
}

Status CheckClientConnectionOptions(const ClientConnectionOptions& options) {
  auto target = ParseClientTarget(options.target);
  if (!target.ok()) return target.status();
  const bool any_tls_file = !options.tls_ca_file.empty() || !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (any_tls_file && !target->tls) {
    return Status::InvalidArgument("--tls-ca, --tls-cert and --tls-key are for TLS targets; target \"" + options.target +
                                   "\" is plaintext (write grpcs://" + target->address + " for TLS)");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return Status::InvalidArgument("a client certificate needs both --tls-cert and --tls-key");
  }
  if (!options.tls_ca_file.empty()) {
    KILN_RETURN_IF_ERROR(CheckCertificateBundleFile(options.tls_ca_file).WithContext("--tls-ca"));
  }
  if (!options.tls_cert_file.empty()) {
    KILN_RETURN_IF_ERROR(CheckKeyPairFiles(options.tls_cert_file, options.tls_key_file).WithContext("--tls-cert/--tls-key"));
  }
  return Status::Ok();
}

std::vector<std::string> ClientConnectionFlagArgs(const ClientConnectionOptions& options) {
  std::vector<std::string> args;
  const auto add = [&args](const char* flag, const std::string& value) {
    if (value.empty()) return;
    args.emplace_back(flag);
    args.push_back(value);
  };
  add("--tls-ca", options.tls_ca_file);
  add("--tls-cert", options.tls_cert_file);
  add("--tls-key", options.tls_key_file);
  add("--token-file", options.token_file);
  return args;
}

}  // namespace kiln
