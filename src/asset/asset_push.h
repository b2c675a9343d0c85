// The Push half of the Remote Asset API, without gRPC: a pushed mapping is recorded only
// if its content (and everything it references; for directories, whole trees) is in the
// CAS, and only if a checksum.sri of the digest's own function agrees with the digest.
// Other qualifiers key the record verbatim. A checksum.sri is not otherwise trusted: one
// of another hash function is not checked here (that would read the whole blob on the RPC
// thread), and a pushed directory cannot be checked at all; a fetch carrying checksum.sri
// is answered by a pushed record only once its content is known to match (asset_index.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "asset/asset_index.h"

namespace kiln {

struct AssetPushRequest {
  AssetScope scope;
  std::vector<std::string> uris;  // At least one.
  std::optional<Sri> checksum;
  AssetMapping mapping;  // recorded_at is set by RecordPush.
};

// INVALID_ARGUMENT when the checksum contradicts the digest, or when content is missing
// from the CAS (naming it, with the missing blobs attached for a PreconditionFailure-style
// detail); storage errors otherwise.
Status RecordPush(AssetIndex& index, AssetPushRequest request);

}  // namespace kiln
