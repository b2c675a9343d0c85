// ByteStream ReadResponse messages framed by hand. On the wire a ReadResponse holding a
// chunk is one length-delimited field (`data`, number 10): a tag byte, the length as a
// varint, the bytes.
// Building that frame around the chunk, as its own gRPC slice, lets the chunk go to the
// transport as it is; a ReadResponse message would first be serialized, copying every byte
// of every blob once more.
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <cstddef>
#include <memory>
#include <string>

namespace kiln {

// The frame owns `data` and frees it when gRPC is done with it.
grpc::ByteBuffer FrameReadResponse(std::unique_ptr<char[]> data, size_t size);
grpc::ByteBuffer FrameReadResponse(std::string data);

}  // namespace kiln
