#include "ac/metered_action_cache.h"

#include <gtest/gtest.h>

#include "ac/local_action_cache.h"
#include "cas/memory_blob_store.h"
#include "common/hasher.h"

namespace kiln {
namespace {

double Sample(const metrics::MetricRegistry& registry, const std::string& family, const std::string& label) {
  for (const auto& snapshot : registry.Collect()) {
    if (snapshot.name != family) continue;
    for (const auto& sample : snapshot.samples) {
      if (sample.label_values.empty() || sample.label_values[0] == label) return sample.value;
    }
  }
  return -1;
}

TEST(MeteredActionCacheTest, CountsHitsMissesAndIncompleteResults) {
  MemoryBlobStore cas;
  MemoryRecordStore records;
  auto owned = std::make_unique<LocalActionCache>(&records, &cas, 1024);
  LocalActionCache& local = *owned;
  metrics::MetricRegistry registry;
  MeteredActionCache cache(std::move(owned), registry);
  local.set_incomplete_results_counter(
      &registry.AddCounter("kiln_action_cache_incomplete_results_total", "Incomplete.").Unlabelled());
  const Digest action = ComputeDigest(DigestFunction::kSha256, "action");
  const Digest complete = ComputeDigest(DigestFunction::kSha256, "complete");

  EXPECT_EQ(cache.Get("", action, {}).status().code(), StatusCode::kNotFound);  // Nothing stored.
  reapi::ActionResult result;
  *result.mutable_stdout_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, "never uploaded"));
  ASSERT_TRUE(cache.Put("", action, result).ok());
  EXPECT_EQ(cache.Get("", action, {}).status().code(), StatusCode::kNotFound);  // Incomplete.
  ASSERT_TRUE(cache.Put("", complete, reapi::ActionResult()).ok());
  EXPECT_TRUE(cache.Get("", complete, {}).ok());

  EXPECT_EQ(Sample(registry, "kiln_action_cache_lookups_total", "hit"), 1);
  EXPECT_EQ(Sample(registry, "kiln_action_cache_lookups_total", "miss"), 2);
  EXPECT_EQ(Sample(registry, "kiln_action_cache_lookups_total", "error"), 0);
  EXPECT_EQ(Sample(registry, "kiln_action_cache_updates_total", "ok"), 2);
  EXPECT_EQ(Sample(registry, "kiln_action_cache_incomplete_results_total", ""), 1);
}

}  // namespace
}  // namespace kiln
