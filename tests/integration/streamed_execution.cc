#include "streamed_execution.h"

namespace kiln_test {

using google::longrunning::Operation;

reapi::ExecuteOperationMetadata MetadataOf(const Operation& operation) {
  reapi::ExecuteOperationMetadata metadata;
  operation.metadata().UnpackTo(&metadata);
  return metadata;
}

StreamedExecution::StreamedExecution(const std::shared_ptr<grpc::Channel>& channel, const reapi::Digest& action)
    : stub_(reapi::Execution::NewStub(channel)) {
  SetDeadline(&context_);
  reapi::ExecuteRequest request;
  *request.mutable_action_digest() = action;
  reader_ = stub_->Execute(&context_, request);
  thread_ = std::thread([this] {
    Operation operation;
    while (reader_->Read(&operation)) {
      std::lock_guard lock(mutex_);
      updates_.push_back(operation);
      changed_.notify_all();
    }
    std::lock_guard lock(mutex_);
    ended_ = true;
    changed_.notify_all();
  });
}

StreamedExecution::~StreamedExecution() {
  context_.TryCancel();
  if (thread_.joinable()) thread_.join();
}

bool StreamedExecution::WaitFor(const std::function<bool(const reapi::ExecuteOperationMetadata&)>& predicate,
                                std::chrono::seconds timeout) {
  std::unique_lock lock(mutex_);
  bool found = false;
  changed_.wait_for(lock, timeout, [&] {
    for (const Operation& update : updates_) found = found || predicate(MetadataOf(update));
    return found || ended_;
  });
  return found;
}

reapi::ExecuteOperationMetadata StreamedExecution::LatestMetadata() {
  std::lock_guard lock(mutex_);
  return updates_.empty() ? reapi::ExecuteOperationMetadata() : MetadataOf(updates_.back());
}

std::string StreamedExecution::operation_name() {
  std::lock_guard lock(mutex_);
  return updates_.empty() ? std::string() : updates_.front().name();
}

bool StreamedExecution::done() {
  std::lock_guard lock(mutex_);
  return !updates_.empty() && updates_.back().done();
}

ExecuteResult StreamedExecution::Finish() {
  thread_.join();
  ExecuteResult result;
  result.status = reader_->Finish();
  result.updates = updates_;
  for (const Operation& update : updates_) result.stages.push_back(MetadataOf(update).stage());
  if (!updates_.empty() && updates_.back().done()) updates_.back().response().UnpackTo(&result.response);
  return result;
}

}  // namespace kiln_test
