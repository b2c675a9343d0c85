#include "cli/auth_command.h"

#include <iostream>
#include <iterator>
#include <sstream>

#include "auth/auth_policy.h"
#include "auth/rpc_permissions.h"
#include "auth/token_digest.h"

namespace kiln {
namespace {

constexpr char kUsage[] =
    "Usage: kiln auth SUBCOMMAND\n"
    "\n"
    "Helpers for the auth file (--auth_file of `kiln serve`).\n"
    "\n"
    "Subcommands:\n"
    "  hash-token    Read a token on standard input and print its SHA-256 in hex, the form the auth\n"
    "                file's \"token_sha256\" lists. One trailing newline is not part of the token:\n"
    "                `printf %s \"$TOKEN\" | kiln auth hash-token` and `echo \"$TOKEN\" | ...` agree.\n"
    "  check FILE    Load the auth file FILE (and the JWKS files it names) as the server would, and\n"
    "                print what is wrong with it, or a summary.\n"
    "  permissions   Print, as a Markdown table, the permission each RPC requires.\n";

int CheckCommand(const std::string& path) {
  StatusOr<std::shared_ptr<const AuthPolicy>> policy = AuthPolicy::LoadFile(path, AuthPolicy::Options{});
  if (!policy.ok()) {
    std::cerr << "kiln auth check: " << policy.status().ToString() << "\n";
    return 1;
  }
  const AuthConfig& config = (*policy)->config();
  std::cout << path << ": " << config.principals.size() << " principals, " << config.by_token.size()
            << " token hashes, " << config.by_certificate_name.size() << " certificate names, "
            << config.jwt_issuers.size() << " JWT issuers; anonymous calls have " << config.anonymous->grants.size()
            << " grants\n";
  return 0;
}

}  // namespace

int HashTokenCommand(std::istream& in, std::ostream& out, std::ostream& err) {
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!token.empty() && token.back() == '\n') token.pop_back();
  if (!token.empty() && token.back() == '\r') token.pop_back();
  if (token.empty()) {
    err << "kiln auth hash-token: the token on standard input is empty\n";
    return 1;
  }
  out << TokenDigestHex(Sha256Token(token)) << "\n";
  return 0;
}

int RunAuthCommand(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string& sub = args[0];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (sub == "hash-token" && args.size() == 1) return HashTokenCommand(std::cin, std::cout, std::cerr);
  if (sub == "check" && args.size() == 2) return CheckCommand(args[1]);
  if (sub == "permissions" && args.size() == 1) {
    std::cout << RpcPermissionsMarkdown();
    return 0;
  }
  std::cerr << "kiln auth: unknown subcommand or wrong arguments\n\n" << kUsage;
  return 2;
}

}  // namespace kiln
