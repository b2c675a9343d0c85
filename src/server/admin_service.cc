#include "server/admin_service.h"

#include <unordered_set>

#include "common/proto_digest.h"
#include "common/resource_name.h"
#include "common/version.h"
#include "server/admin_messages.h"
#include "server/grpc_status.h"
#include "server/rpc_methods.h"

namespace kiln {
namespace {

namespace wire = ::kiln::admin::v1;

StatusOr<std::vector<Digest>> ParseDigests(const wire::BlobsRequest& request) {
  KILN_RETURN_IF_ERROR(ValidateInstanceName(request.instance_name()));
  std::vector<Digest> digests;
  for (const reapi::Digest& digest : request.digests()) {
    auto function = ResolveDigestFunction(request.digest_function(), digest.hash());
    if (!function.ok()) return function.status().WithContext("digests");
    auto parsed = FromProto(*function, digest, "digests");
    if (!parsed.ok()) return parsed.status();
    digests.push_back(*parsed);
  }
  return digests;
}

StatusOr<Digest> ParseActionDigest(const wire::ActionResultRequest& request) {
  KILN_RETURN_IF_ERROR(ValidateInstanceName(request.instance_name()));
  if (!request.has_action_digest()) return Status::InvalidArgument("action_digest is required");
  auto function = ResolveDigestFunction(request.digest_function(), request.action_digest().hash());
  if (!function.ok()) return function.status().WithContext("action_digest");
  return FromProto(*function, request.action_digest(), "action_digest");
}

int64_t UnixSeconds(WallTimePoint time) {
  if (time == WallTimePoint{}) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

void ToProto(const StorageRingStatus& status, wire::StorageStatus& out) {
  for (const StorageNodeStatus& node : status.nodes) {
    auto* entry = out.add_nodes();
    entry->set_name(node.name);
    entry->set_weight(node.weight);
    entry->set_alive(node.alive);
    entry->set_blobs(node.blobs);
    entry->set_bytes(node.bytes);
    entry->set_error(node.error);
  }
  const RepairRecord& record = status.repair;
  wire::RepairStatus& repair = *out.mutable_repair();
  repair.set_state(std::string(RepairStateName(record.state)));
  repair.set_lease_holder(status.repair_holder);
  repair.set_runner(record.runner);
  repair.set_fraction_done(record.fraction_done);
  repair.set_blobs_scanned(record.counters.blobs_scanned);
  repair.set_copies_missing(record.counters.copies_missing);
  repair.set_copies_made(record.counters.copies_made);
  repair.set_bytes_copied(record.counters.bytes_copied);
  repair.set_failures(record.counters.failures);
  repair.set_started_unix_seconds(UnixSeconds(record.started));
  repair.set_updated_unix_seconds(UnixSeconds(record.updated));
  repair.set_finished_unix_seconds(UnixSeconds(record.finished));
  repair.set_complete(record.complete);
  for (const std::string& node : record.unlisted_nodes) repair.add_unlisted_nodes(node);
}

}  // namespace

Status AdminService::CheckScheduler(const Context& context, const char* method) const {
  auto principal = authorizer_->CheckAnyInstance(context, method);
  if (!principal.ok()) return principal.status();
  if (scheduler_ == nullptr) return Status::FailedPrecondition("a storage node has no scheduler, workers or operations");
  return Status::Ok();
}

grpc::ServerUnaryReactor* AdminService::GetStatus(Context* context, const wire::GetStatusRequest*,
                                                  wire::ServerStatus* response) {
  auto principal = authorizer_->CheckAnyInstance(*context, rpc::kAdminGetStatus);
  if (!principal.ok()) return FinishUnary(context, principal.status());
  response->set_version(kKilnVersion);
  response->set_role(description_.role);
  response->set_uptime_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(SystemClock::Get()->Now() - description_.started).count());
  response->set_cas(description_.cas);
  response->set_action_cache(description_.action_cache);
  response->set_backplane(description_.backplane);
  response->set_cas_max_bytes(description_.cas_max_bytes);
  if (disk_ != nullptr) {
    response->set_cas_bytes(disk_->total_bytes());
    response->set_cas_blobs(static_cast<int64_t>(disk_->blob_count()));
  }
  if (scheduler_ != nullptr) {
    response->set_queued_actions(static_cast<int64_t>(scheduler_->queued_count()));
    auto workers = scheduler_->ListWorkers();
    if (!workers.ok()) return FinishUnary(context, workers.status());
    for (const WorkerInfo& worker : *workers) {
      if (worker.drained) response->set_drained_workers(response->drained_workers() + 1);
      if (!worker.connected) continue;
      response->set_workers(response->workers() + 1);
      response->set_slots(response->slots() + worker.slots);
      response->set_busy_slots(response->busy_slots() + static_cast<int64_t>(worker.running.size()));
    }
  }
  return FinishUnary(context, Status::Ok());
}

grpc::ServerUnaryReactor* AdminService::ListWorkers(Context* context, const wire::ListWorkersRequest*,
                                                    wire::ListWorkersResponse* response) {
  if (Status allowed = CheckScheduler(*context, rpc::kAdminListWorkers); !allowed.ok()) {
    return FinishUnary(context, allowed);
  }
  auto workers = scheduler_->ListWorkers();
  if (workers.ok()) {
    for (const WorkerInfo& worker : *workers) *response->add_workers() = ToWorkerInfo(worker);
  }
  return FinishUnary(context, workers.status());
}

grpc::ServerUnaryReactor* AdminService::DrainWorker(Context* context, const wire::DrainWorkerRequest* request,
                                                    wire::DrainWorkerResponse*) {
  if (Status allowed = CheckScheduler(*context, rpc::kAdminDrainWorker); !allowed.ok()) {
    return FinishUnary(context, allowed);
  }
  if (request->worker_id().empty()) return FinishUnary(context, Status::InvalidArgument("worker_id is required"));
  return FinishUnary(context, scheduler_->SetWorkerDrained(request->worker_id(), request->drain()));
}

grpc::ServerUnaryReactor* AdminService::ListOperations(Context* context, const wire::ListOperationsRequest* request,
                                                       wire::ListOperationsResponse* response) {
  if (Status allowed = CheckScheduler(*context, rpc::kAdminListOperations); !allowed.ok()) {
    return FinishUnary(context, allowed);
  }
  auto filter = FromListRequest(*request);
  if (!filter.ok()) return FinishUnary(context, filter.status());
  auto page = scheduler_->ListOperations(*filter);
  if (page.ok()) {
    response->set_total(page->total);
    for (const OperationSnapshot& snapshot : page->operations) {
      *response->add_operations() = ToOperationInfo(snapshot, /*with_response=*/false);
    }
  }
  return FinishUnary(context, page.status());
}

grpc::ServerUnaryReactor* AdminService::GetOperation(Context* context, const wire::GetOperationRequest* request,
                                                     wire::OperationInfo* response) {
  if (Status allowed = CheckScheduler(*context, rpc::kAdminGetOperation); !allowed.ok()) {
    return FinishUnary(context, allowed);
  }
  auto snapshot = scheduler_->Get(Caller::Internal(), request->name());
  if (snapshot.ok()) *response = ToOperationInfo(*snapshot, /*with_response=*/true);
  return FinishUnary(context, snapshot.status());
}

grpc::ServerUnaryReactor* AdminService::CancelOperation(Context* context, const wire::CancelOperationRequest* request,
                                                        wire::CancelOperationResponse*) {
  if (Status allowed = CheckScheduler(*context, rpc::kAdminCancelOperation); !allowed.ok()) {
    return FinishUnary(context, allowed);
  }
  // What google.longrunning's CancelOperation does, for any owner's operation.
  return FinishUnary(context, scheduler_->Cancel(Caller::Internal(), request->name()));
}

grpc::ServerUnaryReactor* AdminService::StatBlobs(Context* context, const wire::BlobsRequest* request,
                                                  wire::StatBlobsResponse* response) {
  auto principal = authorizer_->Check(*context, rpc::kAdminStatBlobs, request->instance_name());
  if (!principal.ok()) return FinishUnary(context, principal.status());
  auto digests = ParseDigests(*request);
  if (!digests.ok()) return FinishUnary(context, digests.status());
  auto missing = cas_->FindMissingOrError(*digests);
  if (!missing.ok()) return FinishUnary(context, missing.status());
  const std::unordered_set<Digest, DigestHash> absent(missing->begin(), missing->end());
  for (const Digest& digest : *digests) {
    wire::BlobStat* stat = response->add_blobs();
    *stat->mutable_digest() = ToProto(digest);
    stat->set_present(!absent.contains(digest));
  }
  return FinishUnary(context, Status::Ok());
}

grpc::ServerUnaryReactor* AdminService::DeleteBlobs(Context* context, const wire::BlobsRequest* request,
                                                    wire::DeleteBlobsResponse* response) {
  auto principal = authorizer_->Check(*context, rpc::kAdminDeleteBlobs, request->instance_name());
  if (!principal.ok()) return FinishUnary(context, principal.status());
  auto digests = ParseDigests(*request);
  if (!digests.ok()) return FinishUnary(context, digests.status());
  for (const Digest& digest : *digests) {
    wire::BlobDeletion* deletion = response->add_blobs();
    *deletion->mutable_digest() = ToProto(digest);
    *deletion->mutable_status() = ToRpcStatus(cas_->Delete(digest));
  }
  return FinishUnary(context, Status::Ok());
}

grpc::ServerUnaryReactor* AdminService::GetActionResult(Context* context, const wire::ActionResultRequest* request,
                                                        reapi::ActionResult* response) {
  auto principal = authorizer_->Check(*context, rpc::kAdminGetActionResult, request->instance_name());
  if (!principal.ok()) return FinishUnary(context, principal.status());
  auto digest = ParseActionDigest(*request);
  if (!digest.ok()) return FinishUnary(context, digest.status());
  auto result = action_cache_->Get(request->instance_name(), *digest, InlineRequest());
  if (result.ok()) *response = std::move(result).value();
  return FinishUnary(context, result.status());
}

grpc::ServerUnaryReactor* AdminService::DeleteActionResult(Context* context, const wire::ActionResultRequest* request,
                                                           wire::DeleteActionResultResponse*) {
  auto principal = authorizer_->Check(*context, rpc::kAdminDeleteActionResult, request->instance_name());
  if (!principal.ok()) return FinishUnary(context, principal.status());
  auto digest = ParseActionDigest(*request);
  if (!digest.ok()) return FinishUnary(context, digest.status());
  return FinishUnary(context, action_cache_->Delete(request->instance_name(), *digest));
}

grpc::ServerUnaryReactor* AdminService::GetStorageStatus(Context* context, const wire::GetStorageStatusRequest*,
                                                         wire::StorageStatus* response) {
  auto principal = authorizer_->CheckAnyInstance(*context, rpc::kAdminGetStorageStatus);
  if (!principal.ok()) return FinishUnary(context, principal.status());
  if (storage_ring_ == nullptr) {
    return FinishUnary(context, Status::FailedPrecondition("this server's CAS is not on the backplane's storage ring"));
  }
  auto status = storage_ring_->RingStatus();
  if (status.ok()) ToProto(*status, *response);
  return FinishUnary(context, status.status());
}

grpc::ServerUnaryReactor* AdminService::RemoveStorageNode(Context* context, const wire::RemoveStorageNodeRequest* request,
                                                          wire::RemoveStorageNodeResponse*) {
  auto principal = authorizer_->CheckAnyInstance(*context, rpc::kAdminRemoveStorageNode);
  if (!principal.ok()) return FinishUnary(context, principal.status());
  if (request->name().empty()) return FinishUnary(context, Status::InvalidArgument("name is required"));
  if (storage_ring_ == nullptr) {
    return FinishUnary(context, Status::FailedPrecondition("this server's CAS is not on the backplane's storage ring"));
  }
  return FinishUnary(context, storage_ring_->RemoveNode(request->name()));
}

}  // namespace kiln
