// Execution (Execute, WaitExecution) and google.longrunning.Operations, adapted onto the
// ExecutionEngine and the Scheduler. Every call is authorized first (server/call_authorizer.h)
// and then acts as its principal: a client sees, waits on, lists and cancels only operations
// it created or joined, unless it is admin.
#pragma once

#include "server/call_authorizer.h"
#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "execution/execution_engine.h"
#include "google/longrunning/operations.grpc.pb.h"

namespace kiln {

class ExecutionService final : public reapi::Execution::CallbackService {
 public:
  ExecutionService(ExecutionEngine* engine, Scheduler* scheduler, const CallAuthorizer* authorizer)
      : engine_(engine), scheduler_(scheduler), authorizer_(authorizer) {}

  grpc::ServerWriteReactor<google::longrunning::Operation>* Execute(grpc::CallbackServerContext* context,
                                                                    const reapi::ExecuteRequest* request) override;
  grpc::ServerWriteReactor<google::longrunning::Operation>* WaitExecution(
      grpc::CallbackServerContext* context, const reapi::WaitExecutionRequest* request) override;

 private:
  ExecutionEngine* engine_;
  Scheduler* scheduler_;
  const CallAuthorizer* authorizer_;
};

class OperationsService final : public google::longrunning::Operations::CallbackService {
 public:
  OperationsService(Scheduler* scheduler, const CallAuthorizer* authorizer)
      : scheduler_(scheduler), authorizer_(authorizer) {}

  grpc::ServerUnaryReactor* GetOperation(grpc::CallbackServerContext* context,
                                         const google::longrunning::GetOperationRequest* request,
                                         google::longrunning::Operation* response) override;
  grpc::ServerUnaryReactor* ListOperations(grpc::CallbackServerContext* context,
                                           const google::longrunning::ListOperationsRequest* request,
                                           google::longrunning::ListOperationsResponse* response) override;
  grpc::ServerUnaryReactor* CancelOperation(grpc::CallbackServerContext* context,
                                            const google::longrunning::CancelOperationRequest* request,
                                            google::protobuf::Empty* response) override;

 private:
  Scheduler* scheduler_;
  const CallAuthorizer* authorizer_;
};

}  // namespace kiln
