// Follows a log stream with ByteStream Read on its own thread, so that a test can check what
// arrived while the writer (or the action) is still going.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "test_util.h"

namespace kiln_test {

class LiveLogReader {
 public:
  LiveLogReader(google::bytestream::ByteStream::Stub& bytestream, const std::string& name, int64_t offset = 0,
                int64_t limit = 0);
  ~LiveLogReader();

  // Waits (bounded) until the data received so far contains `text`.
  bool WaitFor(const std::string& text, std::chrono::seconds timeout = std::chrono::seconds(30));
  std::string received();
  // How many ReadResponse messages arrived so far.
  size_t messages();
  void Cancel() { context_.TryCancel(); }
  // Waits for the call to end and returns its status.
  grpc::Status Finish();

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<google::bytestream::ReadResponse>> reader_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string data_;
  size_t messages_ = 0;
  bool ended_ = false;
};

}  // namespace kiln_test
