#include "auth/base64.h"

#include <array>
#include <cstdint>

namespace kiln {
namespace {

constexpr std::string_view kStandard = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Decodes unpadded text in `alphabet`. Rejects a final group of one character (no encoder
// writes one) and non-zero bits left over in the last character, so that each byte string
// has exactly one encoding.
std::optional<std::string> DecodeUnpadded(std::string_view text, std::string_view alphabet) {
  std::array<int8_t, 256> values;
  values.fill(-1);
  for (size_t i = 0; i < alphabet.size(); ++i) values[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t accumulator = 0;
  int bits = 0;
  for (char c : text) {
    int8_t value = values[static_cast<uint8_t>(c)];
    if (value < 0) return std::nullopt;
    accumulator = (accumulator << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((accumulator >> bits) & 0xff);
    }
  }
  if ((accumulator & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string Encode(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  uint32_t accumulator = 0;
  int bits = 0;
  for (char c : bytes) {
    accumulator = (accumulator << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(accumulator >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += alphabet[(accumulator << (6 - bits)) & 0x3f];
  while (pad && out.size() % 4 != 0) out += '=';
  return out;
}

}  // namespace

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  return DecodeUnpadded(text.substr(0, text.size() - padding), kStandard);
}

std::optional<std::string> DecodeBase64Url(std::string_view text) { return DecodeUnpadded(text, kUrl); }

std::string EncodeBase64(std::string_view bytes) { return Encode(bytes, kStandard, true); }
std::string EncodeBase64Url(std::string_view bytes) { return Encode(bytes, kUrl, false); }

}  // namespace kiln
