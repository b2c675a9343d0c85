#include "client/log_stream_writer.h"

#include "common/bytestream_metadata.h"

namespace kiln {

LogStreamWriter::~LogStreamWriter() { Close(); }

void LogStreamWriter::Append(std::string_view data) {
  if (!data.empty()) Send(data, /*finish=*/false);
}

void LogStreamWriter::Finish() {
  Send("", /*finish=*/true);
  Close();
}

bool LogStreamWriter::Send(std::string_view data, bool finish) {
  if (failed_) return false;
  if (!call_) {
    context_ = std::make_unique<grpc::ClientContext>();
    // Tells the server at once that this Write is a log stream's, which takes no upload
    // slot: a server whose slots are all taken refuses other Writes before reading them.
    context_->AddMetadata(std::string(kResourceNameHeader), write_name_);
    call_ = stub_->Write(context_.get(), &response_);
  }
  google::bytestream::WriteRequest request;
  if (offset_ == 0 || finish) request.set_resource_name(write_name_);
  request.set_write_offset(offset_);
  request.set_data(std::string(data));
  request.set_finish_write(finish);
  if (!call_->Write(request)) {
    failed_ = true;  // The call broke; Close collects its status.
    return false;
  }
  offset_ += static_cast<int64_t>(data.size());
  return true;
}

void LogStreamWriter::Close() {
  if (!call_) return;
  call_->WritesDone();
  (void)call_->Finish();  // Live output is best effort; the CAS has the real output.
  call_.reset();
  context_.reset();
}

}  // namespace kiln
