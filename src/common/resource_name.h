// ByteStream resource names as REAPI defines them:
//   read:  {instance}/blobs/{function/}{hash}/{size}
//          {instance}/compressed-blobs/{compressor}/{function/}{hash}/{size}
//   write: {instance}/uploads/{uuid}/blobs/{function/}{hash}/{size}{/metadata...}
//          {instance}/uploads/{uuid}/compressed-blobs/{compressor}/{function/}{hash}/{size}{/...}
// The instance name may itself contain slashes, so the name is scanned for the first
// reserved segment rather than split by position.
#pragma once

#include <string>
#include <string_view>

#include "common/compression.h"
#include "common/digest.h"
#include "common/status.h"

namespace kiln {

struct BlobResourceName {
  std::string instance_name;
  std::string upload_id;  // Write names only.
  Compression compression = Compression::kIdentity;
  Digest digest;  // For compressed names, the digest of the uncompressed data.
};

StatusOr<BlobResourceName> ParseReadResourceName(std::string_view name);
StatusOr<BlobResourceName> ParseWriteResourceName(std::string_view name);

// Builds the canonical read name (used by clients and tests).
std::string MakeReadResourceName(std::string_view instance_name, const Digest& digest,
                                 Compression compression = Compression::kIdentity);
std::string MakeWriteResourceName(std::string_view instance_name, std::string_view upload_id,
                                  const Digest& digest,
                                  Compression compression = Compression::kIdentity);

// "blobs/{function/}{hash}/{size}": how REAPI's PreconditionFailure names a missing blob
// (a read resource name without the instance), the function named as in resource names.
std::string MissingBlobSubject(const Digest& digest);

// Instance names must not contain path segments that REAPI reserves for resource names.
Status ValidateInstanceName(std::string_view instance_name);

}  // namespace kiln
