// The content address of a blob: which hash function, the lowercase hex hash, and the
// exact size. Every digest that enters kiln from the wire is validated here once, so the
// rest of the code can trust a Digest value.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln {

// The hash functions kiln serves. Values are kiln's own; conversion to and from the
// REAPI enum lives in common/proto_digest.h. kGitSha1 is SHA-1 over git's blob header
// ("blob SIZE\0") and the content, so that git's blob ids are digests.
enum class DigestFunction : uint8_t { kSha256, kSha1, kMd5, kSha384, kSha512, kBlake3, kGitSha1 };

inline constexpr DigestFunction kAllDigestFunctions[] = {
    DigestFunction::kSha256, DigestFunction::kSha1,   DigestFunction::kMd5,    DigestFunction::kSha384,
    DigestFunction::kSha512, DigestFunction::kBlake3, DigestFunction::kGitSha1};

// Lowercase name as used in ByteStream resource names and on disk ("sha256").
std::string_view DigestFunctionName(DigestFunction function);
StatusOr<DigestFunction> DigestFunctionFromName(std::string_view name);
// Number of hex characters in a hash of this function (64 for SHA-256).
size_t HashHexLength(DigestFunction function);
// REAPI lets clients omit the function when it is implied by the hash length, but only for
// the functions that existed before it had a digest_function field: BLAKE3 (64 hex digits,
// like SHA-256) and GITSHA1 (40, like SHA-1) must always be named, and a hash of 64 or 40
// digits without a name stays SHA-256 or SHA-1, as older clients mean it.
bool ImpliedByHashLength(DigestFunction function);
StatusOr<DigestFunction> DigestFunctionForHashLength(size_t hex_length);

class Digest {
 public:
  Digest() = default;

  // Validates hash (lowercase hex of the function's length) and size (>= 0).
  static StatusOr<Digest> Create(DigestFunction function, std::string_view hash, int64_t size);
  // The digest of zero bytes, which every CAS must treat as present.
  static Digest Empty(DigestFunction function);

  DigestFunction function() const { return function_; }
  const std::string& hash() const { return hash_; }
  int64_t size() const { return size_; }
  // True only for the digest of zero bytes (right size *and* hash), which every CAS
  // must treat as present.
  bool IsEmptyBlob() const;

  // "hash/size", the form used in resource names and error messages.
  std::string ToString() const;

  friend bool operator==(const Digest& a, const Digest& b) {
    return a.function_ == b.function_ && a.size_ == b.size_ && a.hash_ == b.hash_;
  }

 private:
  Digest(DigestFunction function, std::string hash, int64_t size)
      : function_(function), hash_(std::move(hash)), size_(size) {}

  DigestFunction function_ = DigestFunction::kSha256;
  std::string hash_;
  int64_t size_ = 0;
};

struct DigestHash {
  size_t operator()(const Digest& d) const {
    // The hash is already uniformly distributed; its first bytes make a fine bucket key.
    size_t h = std::hash<std::string_view>()(std::string_view(d.hash()).substr(0, 16));
    return h ^ (static_cast<size_t>(d.size()) * 0x9e3779b97f4a7c15ULL) ^ static_cast<size_t>(d.function());
  }
};

}  // namespace kiln
