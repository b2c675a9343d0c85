// kiln's admin service (proto/kiln/admin/v1/admin.proto) over the scheduler's operator
// queries, the CAS and the action cache: a thin adapter, like the REAPI services. Every call
// needs `admin` (server/call_authorizer.h): on the request's instance for the CAS and action
// cache methods, on some instance for the rest. On a storage node (no scheduler) the worker
// and operation methods are FAILED_PRECONDITION.
#pragma once

#include <string>

#include "ac/action_cache.h"
#include "backplane/storage_ring_control.h"
#include "cas/blob_store.h"
#include "cas/disk_blob_store.h"
#include "common/clock.h"
#include "kiln/admin/v1/admin.grpc.pb.h"
#include "scheduler/scheduler.h"
#include "server/call_authorizer.h"

namespace kiln {

// What GetStatus reports besides live counts.
struct AdminServerDescription {
  std::string role;          // "frontend" or "storage".
  std::string cas;           // Where the CAS is, in words.
  std::string action_cache;  // Where the action cache is.
  std::string backplane;     // The backplane, or "".
  int64_t cas_max_bytes = 0;
  TimePoint started;
};

class AdminService final : public ::kiln::admin::v1::AdminService::CallbackService {
 public:
  // `scheduler` may be null (a storage node); `disk` is the disk store under `cas`. All
  // must outlive the gRPC server.
  AdminService(AdminServerDescription description, Scheduler* scheduler, BlobStore* cas, DiskBlobStore* disk,
               ActionCache* action_cache, const CallAuthorizer* authorizer)
      : description_(std::move(description)),
        scheduler_(scheduler),
        cas_(cas),
        disk_(disk),
        action_cache_(action_cache),
        authorizer_(authorizer) {}

  // The backplane's storage ring this frontend follows, for GetStorageStatus and
  // RemoveStorageNode; null (the default) where there is none. Set before serving.
  void set_storage_ring(StorageRingControl* ring) { storage_ring_ = ring; }

  using Unary = grpc::ServerUnaryReactor;
  using Context = grpc::CallbackServerContext;
  Unary* GetStatus(Context* context, const admin::v1::GetStatusRequest* request,
                   admin::v1::ServerStatus* response) override;
  Unary* ListWorkers(Context* context, const admin::v1::ListWorkersRequest* request,
                     admin::v1::ListWorkersResponse* response) override;
  Unary* DrainWorker(Context* context, const admin::v1::DrainWorkerRequest* request,
                     admin::v1::DrainWorkerResponse* response) override;
  Unary* ListOperations(Context* context, const admin::v1::ListOperationsRequest* request,
                        admin::v1::ListOperationsResponse* response) override;
  Unary* GetOperation(Context* context, const admin::v1::GetOperationRequest* request,
                      admin::v1::OperationInfo* response) override;
  Unary* CancelOperation(Context* context, const admin::v1::CancelOperationRequest* request,
                         admin::v1::CancelOperationResponse* response) override;
  Unary* StatBlobs(Context* context, const admin::v1::BlobsRequest* request,
                   admin::v1::StatBlobsResponse* response) override;
  Unary* DeleteBlobs(Context* context, const admin::v1::BlobsRequest* request,
                     admin::v1::DeleteBlobsResponse* response) override;
  Unary* GetActionResult(Context* context, const admin::v1::ActionResultRequest* request,
                         reapi::ActionResult* response) override;
  Unary* DeleteActionResult(Context* context, const admin::v1::ActionResultRequest* request,
                            admin::v1::DeleteActionResultResponse* response) override;
  Unary* GetStorageStatus(Context* context, const admin::v1::GetStorageStatusRequest* request,
                          admin::v1::StorageStatus* response) override;
  Unary* RemoveStorageNode(Context* context, const admin::v1::RemoveStorageNodeRequest* request,
                           admin::v1::RemoveStorageNodeResponse* response) override;

 private:
  // OK when the caller holds `admin` on some instance and this server has a scheduler.
  Status CheckScheduler(const Context& context, const char* method) const;

  const AdminServerDescription description_;
  Scheduler* const scheduler_;
  BlobStore* const cas_;
  DiskBlobStore* const disk_;
  ActionCache* const action_cache_;
  const CallAuthorizer* const authorizer_;
  StorageRingControl* storage_ring_ = nullptr;
};

}  // namespace kiln
