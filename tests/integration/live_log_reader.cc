#include "live_log_reader.h"

namespace kiln_test {

LiveLogReader::LiveLogReader(google::bytestream::ByteStream::Stub& bytestream, const std::string& name,
                             int64_t offset, int64_t limit) {
  SetDeadline(&context_);
  google::bytestream::ReadRequest request;
  request.set_resource_name(name);
  request.set_read_offset(offset);
  request.set_read_limit(limit);
  reader_ = bytestream.Read(&context_, request);
  thread_ = std::thread([this] {
    google::bytestream::ReadResponse response;
    while (reader_->Read(&response)) {
      std::lock_guard lock(mutex_);
      data_ += response.data();
      ++messages_;
      changed_.notify_all();
    }
    std::lock_guard lock(mutex_);
    ended_ = true;
    changed_.notify_all();
  });
}

LiveLogReader::~LiveLogReader() {
  if (!thread_.joinable()) return;
  context_.TryCancel();
  thread_.join();
  (void)reader_->Finish();
}

bool LiveLogReader::WaitFor(const std::string& text, std::chrono::seconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return data_.find(text) != std::string::npos || ended_; });
  return data_.find(text) != std::string::npos;
}

std::string LiveLogReader::received() {
  std::lock_guard lock(mutex_);
  return data_;
}

size_t LiveLogReader::messages() {
  std::lock_guard lock(mutex_);
  return messages_;
}

grpc::Status LiveLogReader::Finish() {
  thread_.join();
  return reader_->Finish();
}

}  // namespace kiln_test
