#include "cas/staging_buffer_pool.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace kiln {
namespace {

TEST(StagingBufferPoolTest, LendsAlignedBuffersUpToItsBound) {
  StagingBufferPool pool(10'000, 2);  // Rounded up to whole pages.
  EXPECT_EQ(pool.buffer_bytes(), 12'288u);
  StagingBufferPool::Lease first = pool.TryAcquire();
  StagingBufferPool::Lease second = pool.TryAcquire();
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(first.data()) % StagingBufferPool::kAlignment, 0u);
  EXPECT_EQ(first.size(), 12'288u);
  EXPECT_FALSE(pool.TryAcquire()) << "a third buffer would exceed the bound";
}

TEST(StagingBufferPoolTest, ReturnedBuffersAreReused) {
  StagingBufferPool pool(4096, 1);
  char* data = nullptr;
  {
    StagingBufferPool::Lease lease = pool.TryAcquire();
    data = lease.data();
  }
  StagingBufferPool::Lease again = pool.TryAcquire();
  EXPECT_EQ(again.data(), data);
  StagingBufferPool::Lease moved = std::move(again);
  EXPECT_FALSE(again);  // NOLINT(bugprone-use-after-move): a moved-from lease is empty.
  EXPECT_TRUE(moved);
}

TEST(StagingBufferPoolTest, ReleaseIdleFreesOnlyBuffersNobodyHolds) {
  StagingBufferPool pool(4096, 2);
  StagingBufferPool::Lease held = pool.TryAcquire();
  { StagingBufferPool::Lease returned = pool.TryAcquire(); }
  pool.ReleaseIdle();
  // The freed buffer no longer counts against the bound; the held one still does.
  StagingBufferPool::Lease fresh = pool.TryAcquire();
  EXPECT_TRUE(fresh);
  EXPECT_FALSE(pool.TryAcquire());
  EXPECT_TRUE(held);
}

}  // namespace
}  // namespace kiln
