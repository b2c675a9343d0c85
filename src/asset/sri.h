// Subresource Integrity strings ("sha256-<base64>"), the form of the `checksum.sri`
// qualifier that Bazel and other Remote Asset clients send to pin downloaded content.
#pragma once

#include <string>
#include <string_view>

#include "common/digest.h"

namespace kiln {

struct Sri {
  DigestFunction function = DigestFunction::kSha256;
  std::string hex_hash;  // Lowercase hex, HashHexLength(function) characters.

  // "sha256-<base64>", the canonical form (for messages and record keys).
  std::string ToString() const;
};

// INVALID_ARGUMENT unless `text` is one "sha256-", "sha384-" or "sha512-" hash whose base64
// decodes to exactly the length of that hash.
StatusOr<Sri> ParseSri(std::string_view text);

}  // namespace kiln
