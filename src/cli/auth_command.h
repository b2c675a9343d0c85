// `kiln auth ...`: helpers for writing an auth file (docs/auth-file.md).
//   kiln auth hash-token    reads a token on stdin, prints its SHA-256 for "token_sha256"
//   kiln auth check FILE    loads an auth file as `kiln serve` would and reports what is wrong
//   kiln auth permissions   prints which permission each RPC needs (Markdown)
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace kiln {

int RunAuthCommand(const std::vector<std::string>& args);

// The core of `kiln auth hash-token`, on explicit streams for tests: 0 after printing the
// hex digest of `in` (one trailing newline removed), 1 for an empty token.
int HashTokenCommand(std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace kiln
