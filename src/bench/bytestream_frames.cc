#include "bench/bytestream_frames.h"

#include <grpcpp/support/slice.h>

#include <string>

#include "google/bytestream/bytestream.pb.h"

namespace kiln {
namespace {

using google::bytestream::ReadResponse;
using google::bytestream::WriteRequest;

constexpr uint8_t kVarint = 0;
constexpr uint8_t kLengthDelimited = 2;

constexpr uint8_t Tag(int field_number, uint8_t wire_type) {
  return static_cast<uint8_t>((field_number << 3) | wire_type);
}
// Taken from the generated code so that a change to the proto cannot go unnoticed.
static_assert(WriteRequest::kDataFieldNumber < 16, "every tag must fit in one varint byte");
static_assert(ReadResponse::kDataFieldNumber < 16, "every tag must fit in one varint byte");

void AppendVarint(std::string& out, uint64_t value) {
  do {
    const uint8_t byte = value & 0x7f;
    value >>= 7;
    out.push_back(static_cast<char>(byte | (value != 0 ? 0x80 : 0)));
  } while (value != 0);
}

}  // namespace

grpc::ByteBuffer FrameWriteRequest(const WriteRequestFields& fields) {
  std::string header;
  if (!fields.resource_name.empty()) {
    header.push_back(static_cast<char>(Tag(WriteRequest::kResourceNameFieldNumber, kLengthDelimited)));
    AppendVarint(header, fields.resource_name.size());
    header.append(fields.resource_name);
  }
  if (fields.write_offset != 0) {
    header.push_back(static_cast<char>(Tag(WriteRequest::kWriteOffsetFieldNumber, kVarint)));
    AppendVarint(header, static_cast<uint64_t>(fields.write_offset));
  }
  if (fields.finish_write) {
    header.push_back(static_cast<char>(Tag(WriteRequest::kFinishWriteFieldNumber, kVarint)));
    header.push_back(1);
  }
  size_t data_bytes = 0;
  for (std::string_view piece : fields.data) data_bytes += piece.size();
  if (data_bytes > 0) {
    header.push_back(static_cast<char>(Tag(WriteRequest::kDataFieldNumber, kLengthDelimited)));
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
  const size_t total = frame.Length();
  if (total == 0) return 0;  // The empty message: no data.
  std::vector<grpc::Slice> slices;
  if (!frame.Dump(&slices).ok()) return -1;
  // The header (a tag byte and a varint of up to 10 bytes) may span slices.
  uint8_t header[11];
  size_t have = 0;
  for (const grpc::Slice& slice : slices) {
    for (size_t i = 0; i < slice.size() && have < sizeof(header); ++i) header[have++] = slice.begin()[i];
    if (have == sizeof(header)) break;
  }
  if (header[0] != Tag(ReadResponse::kDataFieldNumber, kLengthDelimited)) return -1;
  uint64_t length = 0;
  size_t position = 1;
  for (int shift = 0; position < have && shift < 64; shift += 7) {
    const uint8_t byte = header[position++];
    length |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return position + length == total ? static_cast<int64_t>(length) : -1;
  }
  return -1;
}

}  // namespace kiln
