// What a caller presented, as the transport saw it. The gRPC layer fills this in; the auth
// core never looks at a connection or at metadata itself.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct Credentials {
  // The client certificate's subject CN and subject alternative names, already verified by
  // TLS against the configured client CA. Empty without a client certificate.
  std::vector<std::string> certificate_names;
  // The raw value of the `authorization` header ("Bearer ...", "Basic ..."), if sent.
  std::optional<std::string> authorization;
};

}  // namespace kiln
