#include "cas/metered_blob_store.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "metrics/text_exposition.h"

namespace kiln {
namespace {

double Sample(const metrics::MetricRegistry& registry, const std::string& family, const std::string& size_class) {
  for (const auto& snapshot : registry.Collect()) {
    if (snapshot.name != family) continue;
    for (const auto& sample : snapshot.samples) {
      if (sample.label_values == std::vector<std::string>{size_class}) return sample.value;
    }
  }
  return -1;
}

TEST(MeteredBlobStoreTest, CountsCommittedWritesAndOpenedReadsBySizeClass) {
  MemoryBlobStore base;
  metrics::MetricRegistry registry;
  MeteredBlobStore store(&base, registry);
  const std::string small = "tiny";
  const std::string large(100 << 10, 'x');
  const Digest small_digest = ComputeDigest(DigestFunction::kSha256, small);
  const Digest large_digest = ComputeDigest(DigestFunction::kSha256, large);
  ASSERT_TRUE(WriteBlob(store, small_digest, small).ok());
  ASSERT_TRUE(WriteBlob(store, large_digest, large).ok());
  // A write whose content does not match its digest is not stored, nor counted.
  EXPECT_FALSE(WriteBlob(store, small_digest, "other").ok());
  EXPECT_EQ(ReadBlob(store, small_digest).value(), small);
  EXPECT_EQ(ReadBlob(store, small_digest).value(), small);
  EXPECT_FALSE(ReadBlob(store, ComputeDigest(DigestFunction::kSha256, "absent")).ok());

  EXPECT_EQ(Sample(registry, "kiln_cas_writes_total", "0-4KiB"), 1);
  EXPECT_EQ(Sample(registry, "kiln_cas_writes_total", "64KiB-1MiB"), 1);
  EXPECT_EQ(Sample(registry, "kiln_cas_written_bytes_total", "64KiB-1MiB"), 100 << 10);
  EXPECT_EQ(Sample(registry, "kiln_cas_reads_total", "0-4KiB"), 2);
  EXPECT_EQ(Sample(registry, "kiln_cas_read_bytes_total", "0-4KiB"), 8);
  EXPECT_EQ(Sample(registry, "kiln_cas_reads_total", "16MiB+"), 0);  // Every class shows, from 0.
}

TEST(MeteredBlobStoreTest, SizeClassBounds) {
  EXPECT_EQ(BlobSizeClass(0), 0u);
  EXPECT_EQ(BlobSizeClass(4096), 0u);
  EXPECT_EQ(BlobSizeClass(4097), 1u);
  EXPECT_EQ(BlobSizeClass(1 << 20), 2u);
  EXPECT_EQ(BlobSizeClass((16 << 20) + 1), 4u);
}

}  // namespace
}  // namespace kiln
