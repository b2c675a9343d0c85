// Forwards live output to a log stream on the frontend: one ByteStream Write call to the
// stream's write resource name, opened on the first data and kept open while the command
// runs (each Append is one WriteRequest at the next offset), ended with finish_write by
// Finish. Best effort: once the call fails, the rest is dropped (the complete output goes
// to the CAS anyway). Not thread-safe: the OutputFollower calls it from one thread at a time.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "google/bytestream/bytestream.grpc.pb.h"
#include "worker/output_follower.h"

namespace kiln {

class LogStreamWriter final : public OutputSink {
 public:
  // `stub` must outlive this.
  LogStreamWriter(google::bytestream::ByteStream::Stub* stub, std::string write_name)
      : stub_(stub), write_name_(std::move(write_name)) {}
  ~LogStreamWriter() override;

  void Append(std::string_view data) override;
  void Finish() override;

 private:
  bool Send(std::string_view data, bool finish);
  void Close();

  google::bytestream::ByteStream::Stub* const stub_;
  const std::string write_name_;
  std::unique_ptr<grpc::ClientContext> context_;
  google::bytestream::WriteResponse response_;
  std::unique_ptr<grpc::ClientWriter<google::bytestream::WriteRequest>> call_;
  int64_t offset_ = 0;
  bool failed_ = false;
};

}  // namespace kiln
