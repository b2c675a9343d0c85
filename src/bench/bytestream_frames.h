// ByteStream messages framed and unframed by hand, so that the load generator copies no
// blob data.
//
// The load generator shares the machine with the server it measures, so every copy it
// makes is CPU the server does not get. A WriteRequest message would copy each chunk into
// the message and again when serializing it; framing the chunk instead lets gRPC send it
// straight from the benchmark's blob (the caller keeps the data alive until the call ends).
// A ReadResponse would copy each chunk out of gRPC's buffers; the reader only needs its
// length, which the frame's header gives.
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace kiln {

struct WriteRequestFields {
  std::string_view resource_name;  // Empty: left out (only the first request needs it).
  int64_t write_offset = 0;
  bool finish_write = false;
  // The chunk, in pieces that are sent one after the other; not copied.
  std::vector<std::string_view> data;
};

grpc::ByteBuffer FrameWriteRequest(const WriteRequestFields& fields);

// How many bytes of `data` a serialized ReadResponse carries; -1 if it is not a
// ReadResponse holding only `data`.
int64_t ReadResponseDataBytes(const grpc::ByteBuffer& frame);

}  // namespace kiln
