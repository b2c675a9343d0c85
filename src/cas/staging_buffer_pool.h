// A bounded set of page-aligned buffers for O_DIRECT writes, reused across uploads.
//
// Reuse is the point: a fresh buffer costs the kernel zeroing its pages (and, on a VM whose
// memory is backed on first touch, a host fault per page), which is what O_DIRECT is meant
// to save. The bound keeps memory flat under many concurrent uploads: when every buffer is
// lent out, TryAcquire returns an empty lease and the caller writes through the page cache.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

namespace kiln {

class StagingBufferPool {
 public:
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    explicit operator bool() const { return data_ != nullptr; }
    char* data() const { return data_; }
    size_t size() const;

   private:
    friend class StagingBufferPool;
    Lease(StagingBufferPool* pool, char* data) : pool_(pool), data_(data) {}
    void Return();
    StagingBufferPool* pool_ = nullptr;
    char* data_ = nullptr;
  };

  // buffer_bytes is rounded up to kAlignment; at most max_buffers exist at once.
  StagingBufferPool(size_t buffer_bytes, size_t max_buffers);
  ~StagingBufferPool();
  StagingBufferPool(const StagingBufferPool&) = delete;
  StagingBufferPool& operator=(const StagingBufferPool&) = delete;

  // A buffer, or an empty lease when max_buffers are lent out (or memory is short).
  Lease TryAcquire();
  size_t buffer_bytes() const { return buffer_bytes_; }
  // Frees the buffers nobody holds, so that an idle server gives their memory back.
  void ReleaseIdle();

  // O_DIRECT needs buffers, offsets and lengths aligned to the device's logical block
  // size; a page covers every common device.
  static constexpr size_t kAlignment = 4096;

 private:
  void Release(char* data);

  const size_t buffer_bytes_;
  const size_t max_buffers_;
  std::mutex mutex_;
  std::vector<char*> idle_;  // Guarded by mutex_.
  size_t allocated_ = 0;     // Guarded by mutex_.
};

}  // namespace kiln
