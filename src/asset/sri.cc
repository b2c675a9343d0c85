#include "asset/sri.h"

#include <array>

namespace kiln {
namespace {

constexpr std::string_view kBase64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kHexDigits = "0123456789abcdef";

// Standard base64 with '=' padding to a multiple of four characters, as SRI uses.
StatusOr<std::string> DecodeBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return Status::InvalidArgument("base64 length is not a multiple of 4");
  size_t padding = 0;
  while (padding < 2 && text[text.size() - 1 - padding] == '=') ++padding;
  std::string bytes;
  uint32_t bits = 0;
  int bit_count = 0;
  for (size_t i = 0; i < text.size() - padding; ++i) {
    size_t value = kBase64Alphabet.find(text[i]);
    if (value == std::string_view::npos) return Status::InvalidArgument("invalid base64 character");
    bits = (bits << 6) | static_cast<uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      bytes.push_back(static_cast<char>((bits >> bit_count) & 0xff));
    }
  }
  return bytes;
}

std::string EncodeBase64(std::string_view bytes) {
  std::string text;
  uint32_t bits = 0;
  int bit_count = 0;
  for (unsigned char byte : bytes) {
    bits = (bits << 8) | byte;
    bit_count += 8;
    while (bit_count >= 6) {
      bit_count -= 6;
      text.push_back(kBase64Alphabet[(bits >> bit_count) & 0x3f]);
    }
  }
  if (bit_count > 0) text.push_back(kBase64Alphabet[(bits << (6 - bit_count)) & 0x3f]);
  while (text.size() % 4 != 0) text.push_back('=');
  return text;
}

std::string ToHex(std::string_view bytes) {
  std::string hex;
  for (unsigned char byte : bytes) {
    hex.push_back(kHexDigits[byte >> 4]);
    hex.push_back(kHexDigits[byte & 0xf]);
  }
  return hex;
}

std::string FromHex(std::string_view hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(kHexDigits.find(hex[i]) << 4 | kHexDigits.find(hex[i + 1])));
  }
  return bytes;
}

}  // namespace

std::string Sri::ToString() const {
  return std::string(DigestFunctionName(function)) + "-" + EncodeBase64(FromHex(hex_hash));
}

StatusOr<Sri> ParseSri(std::string_view text) {
  const std::string quoted = "checksum.sri \"" + std::string(text) + "\"";
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    return Status::InvalidArgument(quoted + " is not of the form sha256-<base64> (or sha384-, sha512-)");
  }
  std::string_view algorithm = text.substr(0, dash);
  Sri sri;
  if (algorithm == "sha256") {
    sri.function = DigestFunction::kSha256;
  } else if (algorithm == "sha384") {
    sri.function = DigestFunction::kSha384;
  } else if (algorithm == "sha512") {
    sri.function = DigestFunction::kSha512;
  } else {
    return Status::InvalidArgument(quoted + ": hash algorithm \"" + std::string(algorithm) +
                                   "\" is not supported (sha256, sha384 and sha512 are)");
  }
  auto bytes = DecodeBase64(text.substr(dash + 1));
  if (!bytes.ok()) return Status::InvalidArgument(quoted + ": " + bytes.status().message());
  if (bytes->size() * 2 != HashHexLength(sri.function)) {
    return Status::InvalidArgument(quoted + ": the hash has " + std::to_string(bytes->size()) + " bytes, " +
                                   std::string(algorithm) + " has " + std::to_string(HashHexLength(sri.function) / 2));
  }
  sri.hex_hash = ToHex(*bytes);
  return sri;
}

}  // namespace kiln
