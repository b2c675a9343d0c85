#include "cas/staging_buffer_pool.h"

#include <cstdlib>
#include <utility>

namespace kiln {

StagingBufferPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), data_(std::exchange(other.data_, nullptr)) {}

StagingBufferPool::Lease& StagingBufferPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Return();
    pool_ = std::exchange(other.pool_, nullptr);
    data_ = std::exchange(other.data_, nullptr);
  }
  return *this;
}

StagingBufferPool::Lease::~Lease() { Return(); }

size_t StagingBufferPool::Lease::size() const { return pool_ ? pool_->buffer_bytes() : 0; }

void StagingBufferPool::Lease::Return() {
  if (data_) pool_->Release(data_);
  data_ = nullptr;
  pool_ = nullptr;
}

StagingBufferPool::StagingBufferPool(size_t buffer_bytes, size_t max_buffers)
    : buffer_bytes_((buffer_bytes + kAlignment - 1) / kAlignment * kAlignment), max_buffers_(max_buffers) {}

StagingBufferPool::~StagingBufferPool() {
  // Leases must not outlive their pool; whatever is idle is ours to free.
  for (char* data : idle_) std::free(data);
}

StagingBufferPool::Lease StagingBufferPool::TryAcquire() {
  std::lock_guard lock(mutex_);
  if (!idle_.empty()) {
    char* data = idle_.back();
    idle_.pop_back();
    return Lease(this, data);
  }
  if (allocated_ >= max_buffers_ || buffer_bytes_ == 0) return Lease();
  auto* data = static_cast<char*>(std::aligned_alloc(kAlignment, buffer_bytes_));
  if (!data) return Lease();
  ++allocated_;
  return Lease(this, data);
}

void StagingBufferPool::ReleaseIdle() {
  std::vector<char*> idle;
  {
    std::lock_guard lock(mutex_);
    idle.swap(idle_);
    allocated_ -= idle.size();
  }
  for (char* data : idle) std::free(data);
}

void StagingBufferPool::Release(char* data) {
  std::lock_guard lock(mutex_);
  idle_.push_back(data);
}

}  // namespace kiln
