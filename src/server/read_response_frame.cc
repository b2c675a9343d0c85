#include "server/read_response_frame.h"

#include <grpcpp/support/slice.h>

#include <cstdint>

#include "common/protobuf_wire.h"
#include "google/bytestream/bytestream.pb.h"

namespace kiln {
namespace {

// ReadResponse.data is field 10, wire type 2 (length-delimited). Taken from the generated
// code so that a change to the proto cannot leave the framing silently wrong.
constexpr uint8_t kDataFieldTag = WireTag(google::bytestream::ReadResponse::kDataFieldNumber, kLengthDelimited);
static_assert(google::bytestream::ReadResponse::kDataFieldNumber < 16, "the tag must fit in one varint byte");

grpc::ByteBuffer Frame(void* bytes, size_t size, void (*destroy)(void*), void* owner) {
  uint8_t header[1 + kMaxVarintBytes];
  header[0] = kDataFieldTag;
  const size_t length = 1 + EncodeVarint(size, header + 1);
  if (size == 0) {  // An empty ReadResponse is the empty message; the tag alone is fine too.
    destroy(owner);
    grpc::Slice only(header, length);
    return grpc::ByteBuffer(&only, 1);
  }
  grpc::Slice slices[2] = {grpc::Slice(header, length), grpc::Slice(bytes, size, destroy, owner)};
  return grpc::ByteBuffer(slices, 2);
}

}  // namespace

grpc::ByteBuffer FrameReadResponse(std::string data) {
  auto* owned = new std::string(std::move(data));
  return Frame(owned->data(), owned->size(), [](void* owner) { delete static_cast<std::string*>(owner); }, owned);
}

grpc::ByteBuffer FrameReadResponse(LentBytes data) {
  auto* owner = new std::shared_ptr<const void>(std::move(data.owner));
  return Frame(const_cast<char*>(data.data), data.size,
               [](void* owner) { delete static_cast<std::shared_ptr<const void>*>(owner); }, owner);
}

}  // namespace kiln
