// The pieces of protobuf's wire format that kiln writes and reads by hand: ByteStream
// messages are framed around blob data, and parsed in place, so that the data is not
// copied into or out of a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln {

enum WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// The longest varint: a 64-bit value in 7-bit groups.
constexpr size_t kMaxVarintBytes = 10;

// A field's key; one byte for the field numbers 1-15 that kiln frames by hand.
constexpr uint8_t WireTag(int field_number, WireType type) {
  return static_cast<uint8_t>((field_number << 3) | type);
}

// Writes `value` as a varint into `out` (room for kMaxVarintBytes); returns its length.
inline size_t EncodeVarint(uint64_t value, uint8_t* out) {
  size_t length = 0;
  do {
    const uint8_t byte = value & 0x7f;
    value >>= 7;
    out[length++] = static_cast<uint8_t>(byte | (value != 0 ? 0x80 : 0));
  } while (value != 0);
  return length;
}

inline void AppendVarint(std::string& out, uint64_t value) {
  uint8_t bytes[kMaxVarintBytes];
  out.append(reinterpret_cast<const char*>(bytes), EncodeVarint(value, bytes));
}

}  // namespace kiln
