#include "server/write_request_view.h"

#include "common/protobuf_wire.h"
#include "server/slice_cursor.h"

namespace kiln {
namespace {

using google::bytestream::WriteRequest;

// Protobuf's default nesting limit, for groups inside unknown fields.
constexpr int kMaxGroupDepth = 100;

Status Malformed(const std::string& what) {
  return Status::InvalidArgument("the WriteRequest message cannot be parsed: " + what);
}

// Skips the value of a field kiln does not read (or reads with another wire type), as
// protobuf would keep it as an unknown field: groups (an old encoding) included.
Status SkipField(SliceCursor& cursor, uint32_t field, uint8_t wire_type, int depth) {
  const std::string where = " in field " + std::to_string(field);
  switch (wire_type) {
    case kVarint: {
      uint64_t value = 0;
      return cursor.ReadVarint(&value) ? Status::Ok() : Malformed("truncated varint" + where);
    }
    case kLengthDelimited: {
      uint64_t length = 0;
      if (!cursor.ReadVarint(&length)) return Malformed("truncated length" + where);
      return cursor.Take(length, nullptr) ? Status::Ok() : Malformed("value runs past the end" + where);
    }
    case kFixed64:
      return cursor.Take(8, nullptr) ? Status::Ok() : Malformed("truncated fixed64" + where);
    case kFixed32:
      return cursor.Take(4, nullptr) ? Status::Ok() : Malformed("truncated fixed32" + where);
    case kStartGroup:
      if (depth >= kMaxGroupDepth) return Malformed("groups nested too deeply" + where);
      while (true) {
        uint32_t key = 0;
        if (!cursor.ReadKey(&key)) return Malformed("unterminated group" + where);
        if ((key >> 3) == 0) return Malformed("field number 0" + where);
        if ((key & 7) == kEndGroup) {
          return (key >> 3) == field ? Status::Ok() : Malformed("mismatched end of group" + where);
        }
        KILN_RETURN_IF_ERROR(SkipField(cursor, key >> 3, static_cast<uint8_t>(key & 7), depth + 1));
      }
    default:
      return Malformed("unexpected wire type " + std::to_string(wire_type) + where);
  }
}

}  // namespace

size_t WriteRequestView::data_size() const {
  size_t size = 0;
  for (std::string_view piece : data) size += piece.size();
  return size;
}

WriteRequest WriteRequestView::ToMessage() const {
  WriteRequest message;
  message.set_resource_name(resource_name);
  message.set_write_offset(write_offset);
  message.set_finish_write(finish_write);
  std::string* bytes = message.mutable_data();
  for (std::string_view piece : data) bytes->append(piece);
  return message;
}

Status ParseWriteRequest(const grpc::ByteBuffer& frame, WriteRequestView* request) {
  *request = WriteRequestView();
  // An empty message may arrive as no buffer at all.
  if (frame.Valid() && !frame.Dump(&request->slices).ok()) return Malformed("unreadable buffer");
  SliceCursor cursor(request->slices);
  while (!cursor.AtEnd()) {
    uint32_t key = 0;
    if (!cursor.ReadKey(&key)) return Malformed("truncated or overlong field key");
    const uint32_t field = key >> 3;
    const auto wire_type = static_cast<uint8_t>(key & 7);
    if (field == 0) return Malformed("field number 0");
    if (wire_type == kVarint &&
        (field == WriteRequest::kWriteOffsetFieldNumber || field == WriteRequest::kFinishWriteFieldNumber)) {
      uint64_t value = 0;
      if (!cursor.ReadVarint(&value)) return Malformed("truncated varint in field " + std::to_string(field));
      if (field == WriteRequest::kWriteOffsetFieldNumber) request->write_offset = static_cast<int64_t>(value);
      if (field == WriteRequest::kFinishWriteFieldNumber) request->finish_write = value != 0;
    } else if (wire_type == kLengthDelimited &&
               (field == WriteRequest::kResourceNameFieldNumber || field == WriteRequest::kDataFieldNumber)) {
      uint64_t length = 0;
      if (!cursor.ReadVarint(&length)) return Malformed("truncated length of field " + std::to_string(field));
      std::vector<std::string_view> pieces;
      if (!cursor.Take(length, &pieces)) return Malformed("field " + std::to_string(field) + " runs past the end");
      if (field == WriteRequest::kResourceNameFieldNumber) {
        request->resource_name.clear();
        for (std::string_view piece : pieces) request->resource_name.append(piece);
      } else {
        request->data = std::move(pieces);  // A repeated singular field: the last one counts.
      }
    } else {
      KILN_RETURN_IF_ERROR(SkipField(cursor, field, wire_type, 0));
    }
  }
  return Status::Ok();
}

}  // namespace kiln
