#include "server/read_response_frame.h"

#include <grpcpp/support/slice.h>

#include <cstdint>

#include "google/bytestream/bytestream.pb.h"

namespace kiln {
namespace {

// ReadResponse.data is field 10, wire type 2 (length-delimited). Taken from the generated
// code so that a change to the proto cannot leave the framing silently wrong.
constexpr uint32_t kDataFieldTag = (google::bytestream::ReadResponse::kDataFieldNumber << 3) | 2;
static_assert(kDataFieldTag < 0x80, "the tag must fit in one varint byte");

grpc::ByteBuffer Frame(void* bytes, size_t size, void (*destroy)(void*), void* owner) {
  uint8_t header[1 + 10];
  size_t length = 0;
  header[length++] = static_cast<uint8_t>(kDataFieldTag);
  uint64_t value = size;
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    header[length++] = static_cast<uint8_t>(byte | (value != 0 ? 0x80 : 0));
  } while (value != 0);
  if (size == 0) {  // An empty ReadResponse is the empty message; the tag alone is fine too.
    destroy(owner);
    grpc::Slice only(header, length);
    return grpc::ByteBuffer(&only, 1);
  }
  grpc::Slice slices[2] = {grpc::Slice(header, length), grpc::Slice(bytes, size, destroy, owner)};
  return grpc::ByteBuffer(slices, 2);
}

}  // namespace

grpc::ByteBuffer FrameReadResponse(std::unique_ptr<char[]> data, size_t size) {
  char* raw = data.release();
  return Frame(raw, size, [](void* owner) { delete[] static_cast<char*>(owner); }, raw);
}

grpc::ByteBuffer FrameReadResponse(std::string data) {
  auto* owned = new std::string(std::move(data));
  return Frame(owned->data(), owned->size(), [](void* owner) { delete static_cast<std::string*>(owner); }, owned);
}

}  // namespace kiln
