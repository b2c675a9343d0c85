#include "client/log_stream_reader.h"

#include "client/remote_blob_rpc.h"

namespace kiln {

Status CopyLogStream(google::bytestream::ByteStream::Stub& bytestream, const std::string& read_name, std::FILE* out) {
  grpc::ClientContext context;
  google::bytestream::ReadRequest request;
  request.set_resource_name(read_name);
  auto reader = bytestream.Read(&context, request);
  google::bytestream::ReadResponse response;
  while (reader->Read(&response)) {
    std::fwrite(response.data().data(), 1, response.data().size(), out);
    std::fflush(out);
  }
  return FromGrpcStatus(reader->Finish(), "reading log stream " + read_name);
}

}  // namespace kiln
