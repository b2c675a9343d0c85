// Follows a log stream from the client side: one ByteStream Read of its name, each message
// written to a FILE (and flushed) as it arrives, until the server ends the stream (the
// writer finalized it) or the call fails.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <string>

#include "common/status.h"
#include "google/bytestream/bytestream.grpc.pb.h"

namespace kiln {

// Returns the call's status (OK once the stream was finalized and read to its end).
Status CopyLogStream(google::bytestream::ByteStream::Stub& bytestream, const std::string& read_name, std::FILE* out);

}  // namespace kiln
