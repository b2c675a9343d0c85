// Reads one Execute stream on its own thread, so that a test can act on updates as they
// arrive (kill the worker running the action, read its live output, ...).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "execution_util.h"

namespace kiln_test {

reapi::ExecuteOperationMetadata MetadataOf(const google::longrunning::Operation& operation);

class StreamedExecution {
 public:
  StreamedExecution(const std::shared_ptr<grpc::Channel>& channel, const reapi::Digest& action);
  ~StreamedExecution();

  // Waits (bounded) until some update's metadata satisfies `predicate`.
  bool WaitFor(const std::function<bool(const reapi::ExecuteOperationMetadata&)>& predicate,
               std::chrono::seconds timeout);
  // The metadata of the latest update (default if none came yet).
  reapi::ExecuteOperationMetadata LatestMetadata();
  // The operation's name, once an update arrived (empty before).
  std::string operation_name();
  // Whether the done update has arrived.
  bool done();

  // Waits for the end of the stream (bounded by the call's deadline).
  ExecuteResult Finish();

 private:
  std::unique_ptr<reapi::Execution::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<google::longrunning::Operation>> reader_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<google::longrunning::Operation> updates_;
  bool ended_ = false;
};

}  // namespace kiln_test
