#include "bench/unique_blob_series.h"

#include <gtest/gtest.h>

#include <set>

#include "common/hasher.h"

namespace kiln {
namespace {

TEST(UniqueBlobSeriesTest, DigestsMatchTheWholeBlobs) {
  UniqueBlobSeries series(4096, 42);
  series.Prepare(20);
  ASSERT_EQ(series.count(), 20u);
  for (size_t i = 0; i < series.count(); ++i) {
    const std::string blob = series.Blob(i);
    ASSERT_EQ(blob.size(), 4096u);
    EXPECT_EQ(series.DigestOf(i), ComputeDigest(DigestFunction::kSha256, blob)) << "blob " << i;
  }
}

TEST(UniqueBlobSeriesTest, BodyPlusSuffixIsTheBlob) {
  UniqueBlobSeries series(100, 7);
  EXPECT_EQ(std::string(series.body()) + series.Suffix(3), series.Blob(3));
  EXPECT_EQ(series.blob_size(), 100u);
}

TEST(UniqueBlobSeriesTest, BlobsDifferWithinARunAndAcrossRuns) {
  UniqueBlobSeries first(64, 1);
  UniqueBlobSeries second(64, 2);
  first.Prepare(100);
  second.Prepare(100);
  std::set<std::string> hashes;
  for (size_t i = 0; i < 100; ++i) {
    hashes.insert(first.DigestOf(i).hash());
    hashes.insert(second.DigestOf(i).hash());
  }
  EXPECT_EQ(hashes.size(), 200u);
}

TEST(UniqueBlobSeriesTest, TakeHandsOutEachBlobOnceUntilTheyRunOut) {
  UniqueBlobSeries series(64, 3);
  series.Prepare(5);
  EXPECT_EQ(series.Take(2), std::optional<size_t>(0));
  EXPECT_EQ(series.Take(2), std::optional<size_t>(2));
  EXPECT_EQ(series.Take(2), std::nullopt);  // Only blob 4 is left.
}

TEST(UniqueBlobSeriesTest, SmallestBlobIsAllSuffix) {
  UniqueBlobSeries series(UniqueBlobSeries::kSuffixBytes, 9);
  series.Prepare(2);
  EXPECT_EQ(series.DigestOf(1), ComputeDigest(DigestFunction::kSha256, series.Blob(1)));
}

}  // namespace
}  // namespace kiln
