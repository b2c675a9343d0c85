// Conversions between REAPI's wire Digest/DigestFunction and kiln's validated Digest.
// Every digest from a request passes through here, which is where "hex of the right
// length, size >= 0" is enforced, with the offending field named in the error.
#pragma once

#include <string_view>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "common/digest.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

// Resolves a request's digest_function field. UNKNOWN (0) means "infer from the length of
// `sample_hash`", as REAPI specifies for the classic hash functions (never BLAKE3 or
// GITSHA1: see ImpliedByHashLength).
StatusOr<DigestFunction> ResolveDigestFunction(reapi::DigestFunction::Value value, std::string_view sample_hash);
reapi::DigestFunction::Value ToProto(DigestFunction function);

// `field` names the request field for the error message, e.g. "blob_digests[3]".
StatusOr<Digest> FromProto(DigestFunction function, const reapi::Digest& digest, std::string_view field);
reapi::Digest ToProto(const Digest& digest);

}  // namespace kiln
