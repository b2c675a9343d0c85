#include "common/proto_digest.h"

namespace kiln {

StatusOr<DigestFunction> ResolveDigestFunction(reapi::DigestFunction::Value value, std::string_view sample_hash) {
  switch (value) {
    case reapi::DigestFunction::SHA256: return DigestFunction::kSha256;
    case reapi::DigestFunction::SHA1: return DigestFunction::kSha1;
    case reapi::DigestFunction::MD5: return DigestFunction::kMd5;
    case reapi::DigestFunction::SHA384: return DigestFunction::kSha384;
    case reapi::DigestFunction::SHA512: return DigestFunction::kSha512;
    case reapi::DigestFunction::BLAKE3: return DigestFunction::kBlake3;
    case reapi::DigestFunction::GITSHA1: return DigestFunction::kGitSha1;
    case reapi::DigestFunction::UNKNOWN: {
      if (sample_hash.empty()) return DigestFunction::kSha256;
      auto inferred = DigestFunctionForHashLength(sample_hash.size());
      if (!inferred.ok()) return inferred.status().WithContext("digest_function is unset and cannot be inferred");
      return inferred;
    }
    default:
      return Status::InvalidArgument("digest_function " + std::to_string(static_cast<int>(value)) +
                                     " is not supported (kiln supports SHA256, SHA1, MD5, SHA384, SHA512, BLAKE3, "
                                     "GITSHA1)");
  }
}

reapi::DigestFunction::Value ToProto(DigestFunction function) {
  switch (function) {
    case DigestFunction::kSha256: return reapi::DigestFunction::SHA256;
    case DigestFunction::kSha1: return reapi::DigestFunction::SHA1;
    case DigestFunction::kMd5: return reapi::DigestFunction::MD5;
    case DigestFunction::kSha384: return reapi::DigestFunction::SHA384;
    case DigestFunction::kSha512: return reapi::DigestFunction::SHA512;
    case DigestFunction::kBlake3: return reapi::DigestFunction::BLAKE3;
    case DigestFunction::kGitSha1: return reapi::DigestFunction::GITSHA1;
  }
  return reapi::DigestFunction::UNKNOWN;
}

StatusOr<Digest> FromProto(DigestFunction function, const reapi::Digest& digest, std::string_view field) {
  auto result = Digest::Create(function, digest.hash(), digest.size_bytes());
  if (!result.ok()) return result.status().WithContext(field);
  return result;
}

reapi::Digest ToProto(const Digest& digest) {
  reapi::Digest out;
  out.set_hash(digest.hash());
  out.set_size_bytes(digest.size());
  return out;
}

}  // namespace kiln
