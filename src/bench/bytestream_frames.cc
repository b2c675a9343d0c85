#include "bench/bytestream_frames.h"

#include <grpcpp/support/slice.h>

#include <string>

#include "common/protobuf_wire.h"
#include "google/bytestream/bytestream.pb.h"
#include "server/slice_cursor.h"

namespace kiln {
namespace {

using google::bytestream::ReadResponse;
using google::bytestream::WriteRequest;

// Taken from the generated code so that a change to the proto cannot go unnoticed.
static_assert(WriteRequest::kDataFieldNumber < 16, "every tag must fit in one varint byte");
static_assert(ReadResponse::kDataFieldNumber < 16, "every tag must fit in one varint byte");

}  // namespace

grpc::ByteBuffer FrameWriteRequest(const WriteRequestFields& fields) {
  std::string header;
  if (!fields.resource_name.empty()) {
    header.push_back(static_cast<char>(WireTag(WriteRequest::kResourceNameFieldNumber, kLengthDelimited)));
    AppendVarint(header, fields.resource_name.size());
    header.append(fields.resource_name);
  }
  if (fields.write_offset != 0) {
    header.push_back(static_cast<char>(WireTag(WriteRequest::kWriteOffsetFieldNumber, kVarint)));
    AppendVarint(header, static_cast<uint64_t>(fields.write_offset));
  }
  if (fields.finish_write) {
    header.push_back(static_cast<char>(WireTag(WriteRequest::kFinishWriteFieldNumber, kVarint)));
    header.push_back(1);
  }
  size_t data_bytes = 0;
  for (std::string_view piece : fields.data) data_bytes += piece.size();
  if (data_bytes > 0) {
    header.push_back(static_cast<char>(WireTag(WriteRequest::kDataFieldNumber, kLengthDelimited)));
    AppendVarint(header, data_bytes);
  }
  std::vector<grpc::Slice> slices;
  slices.emplace_back(header);
  for (std::string_view piece : fields.data) {
    if (!piece.empty()) slices.emplace_back(piece.data(), piece.size(), grpc::Slice::STATIC_SLICE);
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

int64_t ReadResponseDataBytes(const grpc::ByteBuffer& frame) {
  if (!frame.Valid() || frame.Length() == 0) return 0;  // The empty message: no data.
  std::vector<grpc::Slice> slices;
  if (!frame.Dump(&slices).ok()) return -1;
  SliceCursor cursor(slices);
  uint32_t key = 0;
  uint64_t length = 0;
  if (!cursor.ReadKey(&key) || key != WireTag(ReadResponse::kDataFieldNumber, kLengthDelimited) ||
      !cursor.ReadVarint(&length) || !cursor.Take(length, nullptr) || !cursor.AtEnd()) {
    return -1;
  }
  return static_cast<int64_t>(length);
}

}  // namespace kiln
