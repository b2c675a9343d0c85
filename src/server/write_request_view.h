// A ByteStream WriteRequest read straight out of gRPC's receive buffers.
//
// Parsing into the generated message would copy every uploaded byte into a std::string
// before kiln hashes and stores it; an upload is the one place where that copy is a
// sizeable share of the server's work. The view keeps the received slices alive and points
// into them instead. Field numbers come from the generated code; anything protobuf would
// accept and ignore (unknown fields, a field sent with another wire type) is skipped.
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "google/bytestream/bytestream.pb.h"

namespace kiln {

struct WriteRequestView {
  std::string resource_name;
  int64_t write_offset = 0;
  bool finish_write = false;
  std::vector<std::string_view> data;  // `data`, in pieces, pointing into `slices`.
  std::vector<grpc::Slice> slices;      // Keeps the pieces' memory alive.

  size_t data_size() const;
  // The same request as a generated message (copies the data; for small writes only).
  google::bytestream::WriteRequest ToMessage() const;
};

// INVALID_ARGUMENT saying what is wrong if `frame` is not a well-formed WriteRequest.
Status ParseWriteRequest(const grpc::ByteBuffer& frame, WriteRequestView* request);

}  // namespace kiln
