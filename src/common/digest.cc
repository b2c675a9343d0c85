#include "common/digest.h"

#include <array>

namespace kiln {
namespace {

constexpr std::array<bool, 256> kLowerHexTable = [] {
  std::array<bool, 256> table{};
  for (char c = '0'; c <= '9'; ++c) table[static_cast<unsigned char>(c)] = true;
  for (char c = 'a'; c <= 'f'; ++c) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

// Runs for every digest of every request: a table lookup and no early exit, which the
// compiler turns into a branch-free loop.
bool IsLowerHex(std::string_view s) {
  bool all = true;
  for (char c : s) all &= kLowerHexTable[static_cast<unsigned char>(c)];
  return all;
}

}  // namespace

std::string_view DigestFunctionName(DigestFunction function) {
  switch (function) {
    case DigestFunction::kSha256: return "sha256";
    case DigestFunction::kSha1: return "sha1";
    case DigestFunction::kMd5: return "md5";
    case DigestFunction::kSha384: return "sha384";
    case DigestFunction::kSha512: return "sha512";
    // The lowercase form of the REAPI enum's names, as resource names spell them.
    case DigestFunction::kBlake3: return "blake3";
    case DigestFunction::kGitSha1: return "gitsha1";
  }
  return "unknown";
}

StatusOr<DigestFunction> DigestFunctionFromName(std::string_view name) {
  for (DigestFunction f : kAllDigestFunctions) {
    if (DigestFunctionName(f) == name) return f;
  }
  std::string supported;
  for (DigestFunction f : kAllDigestFunctions) {
    supported += (supported.empty() ? "" : ", ") + std::string(DigestFunctionName(f));
  }
  return Status::InvalidArgument("unsupported digest function \"" + std::string(name) + "\" (kiln supports " +
                                 supported + ")");
}

size_t HashHexLength(DigestFunction function) {
  switch (function) {
    case DigestFunction::kSha256: return 64;
    case DigestFunction::kSha1: return 40;
    case DigestFunction::kMd5: return 32;
    case DigestFunction::kSha384: return 96;
    case DigestFunction::kSha512: return 128;
    case DigestFunction::kBlake3: return 64;
    case DigestFunction::kGitSha1: return 40;
  }
  return 0;
}

bool ImpliedByHashLength(DigestFunction function) {
  return function != DigestFunction::kBlake3 && function != DigestFunction::kGitSha1;
}

StatusOr<DigestFunction> DigestFunctionForHashLength(size_t hex_length) {
  for (DigestFunction f : kAllDigestFunctions) {
    if (ImpliedByHashLength(f) && HashHexLength(f) == hex_length) return f;
  }
  return Status::InvalidArgument("hash of " + std::to_string(hex_length) +
                                 " characters matches no supported digest function");
}

StatusOr<Digest> Digest::Create(DigestFunction function, std::string_view hash, int64_t size) {
  if (hash.size() != HashHexLength(function) || !IsLowerHex(hash)) {
    return Status::InvalidArgument("hash \"" + std::string(hash.substr(0, 200)) + "\" is not " +
                                   std::to_string(HashHexLength(function)) +
                                   " lowercase hex characters as " +
                                   std::string(DigestFunctionName(function)) + " requires");
  }
  if (size < 0) {
    return Status::InvalidArgument("size_bytes " + std::to_string(size) + " is negative");
  }
  return Digest(function, std::string(hash), size);
}

namespace {

const std::string& EmptyHash(DigestFunction function) {
  static const std::array<std::string, std::size(kAllDigestFunctions)> kEmptyHashes = {
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "da39a3ee5e6b4b0d3255bfef95601890afd80709",
      "d41d8cd98f00b204e9800998ecf8427e",
      "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
      "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
      "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",  // git's empty blob.
  };
  return kEmptyHashes[static_cast<size_t>(function)];
}

}  // namespace

Digest Digest::Empty(DigestFunction function) { return Digest(function, EmptyHash(function), 0); }

// Asked for every digest a FindMissing sees: compares in place, builds nothing.
bool Digest::IsEmptyBlob() const { return size_ == 0 && hash_ == EmptyHash(function_); }

std::string Digest::ToString() const { return hash_ + "/" + std::to_string(size_); }

}  // namespace kiln
