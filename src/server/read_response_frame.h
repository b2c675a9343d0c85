// ByteStream ReadResponse messages framed by hand. On the wire a ReadResponse holding a
// chunk is one length-delimited field (`data`, number 10): a tag byte, the length as a
// varint, the bytes.
// Building that frame around the chunk, as its own gRPC slice, lets the chunk go to the
// transport as it is; a ReadResponse message would first be serialized, copying every byte
// of every blob once more.
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <cstddef>
#include <string>

#include "cas/blob_store.h"

namespace kiln {

// The frame owns `data` and frees it when gRPC is done with it.
grpc::ByteBuffer FrameReadResponse(std::string data);
// The frame holds the lender's owner until gRPC has sent the bytes.
grpc::ByteBuffer FrameReadResponse(LentBytes data);

}  // namespace kiln
