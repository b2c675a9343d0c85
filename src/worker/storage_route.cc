#include "worker/storage_route.h"

namespace kiln {

StatusOr<WorkerStorageMode> ParseWorkerStorageMode(std::string_view text) {
  if (text == "direct") return WorkerStorageMode::kDirect;
  if (text == "frontend") return WorkerStorageMode::kFrontend;
  return Status::InvalidArgument("\"" + std::string(text) + "\" is not a storage mode (direct or frontend)");
}

StorageRoute::StorageRoute(BlobStore* frontend, NodeStoreFactory nodes, const Clock* clock,
                           StorageRouteOptions options)
    : mode_(options.mode),
      store_(frontend, clock, std::move(options.fallback)),
      builder_(std::move(nodes), options.replicated) {}

void StorageRoute::FrontendChanged() {
  std::shared_ptr<BlobStore> old;
  {
    std::lock_guard lock(mutex_);
    ring_.reset();
    old = store_.SetPrimary(nullptr);
  }
  // Destroyed here, outside the lock; calls still using it keep it alive until they end.
}

Status StorageRoute::RingAnnounced(const StorageRingConfig& ring) {
  if (mode_ == WorkerStorageMode::kFrontend) return Status::Ok();
  std::shared_ptr<BlobStore> old;
  {
    std::lock_guard lock(mutex_);
    if (ring_ && *ring_ == ring) return Status::Ok();
    auto built = builder_.Build(ring);
    if (!built.ok()) {
      ring_.reset();
      old = store_.SetPrimary(nullptr);
      return built.status();
    }
    ring_ = ring;
    old = store_.SetPrimary(std::move(built).value());
  }
  return Status::Ok();
}

}  // namespace kiln
