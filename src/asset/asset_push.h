// The Push half of the Remote Asset API, without gRPC: a pushed mapping is recorded only
// if its content (and everything it references; for directories, whole trees) is in the
// CAS, and only if a checksum.sri of the digest's own function agrees with the digest.
// Other qualifiers are trusted, as the spec allows, and key the record verbatim.
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
