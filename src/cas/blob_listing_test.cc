#include "cas/blob_listing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "cas/blob_index.h"
#include "cas/disk_blob_store.h"
#include "common/hasher.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

Digest Of(const std::string& data, DigestFunction function = DigestFunction::kSha256) {
  return ComputeDigest(function, data);
}

std::vector<Digest> ManyDigests(int count) {
  std::vector<Digest> digests;
  for (int i = 0; i < count; ++i) digests.push_back(Of("blob " + std::to_string(i)));
  return digests;
}

// Every page of a lister, in turn.
std::vector<Digest> ListAll(BlobLister& lister, size_t page_size, int* pages = nullptr) {
  std::vector<Digest> all;
  std::optional<Digest> after;
  for (int page_count = 1;; ++page_count) {
    auto page = lister.ListBlobs(after, page_size);
    EXPECT_TRUE(page.ok());
    EXPECT_LE(page->digests.size(), page_size);
    all.insert(all.end(), page->digests.begin(), page->digests.end());
    if (pages) *pages = page_count;
    if (!page->more) return all;
    after = page->digests.back();
  }
}

TEST(BlobListingTest, OrderIsByHashTextThenSizeThenFunction) {
  const Digest a = *Digest::Create(DigestFunction::kSha1, std::string(40, 'a'), 5);
  const Digest b = *Digest::Create(DigestFunction::kSha256, std::string(40, 'a') + std::string(24, '0'), 1);
  const Digest c = *Digest::Create(DigestFunction::kSha256, std::string(64, 'b'), 1);
  const Digest c_larger = *Digest::Create(DigestFunction::kSha256, std::string(64, 'b'), 2);
  const Digest c_blake3 = *Digest::Create(DigestFunction::kBlake3, std::string(64, 'b'), 2);
  EXPECT_TRUE(ListingLess(a, b));  // A prefix first.
  EXPECT_TRUE(ListingLess(b, c));
  EXPECT_TRUE(ListingLess(c, c_larger));
  EXPECT_TRUE(ListingLess(c_larger, c_blake3));
  EXPECT_FALSE(ListingLess(c, c));
}

TEST(BlobListingTest, TokensRoundTripAndRejectOtherText) {
  const Digest digest = Of("x", DigestFunction::kBlake3);
  EXPECT_EQ(ListingToken(digest), "blake3/" + digest.hash() + "/1");
  EXPECT_EQ(ParseListingToken(ListingToken(digest)).value(), digest);
  for (const char* bad : {"", "sha256", "sha256/abc/1", "nope/" "aa/1", "sha256//1"}) {
    EXPECT_EQ(ParseListingToken(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  const std::string hash(64, 'a');
  EXPECT_FALSE(ParseListingToken("sha256/" + hash + "/x").ok());
  EXPECT_FALSE(ParseListingToken("sha256/" + hash + "/-1").ok());
}

TEST(BlobListingTest, FractionFollowsTheHash) {
  EXPECT_EQ(ListingFraction(*Digest::Create(DigestFunction::kSha256, std::string(64, '0'), 0)), 0.0);
  EXPECT_NEAR(ListingFraction(*Digest::Create(DigestFunction::kSha256, "8" + std::string(63, '0'), 0)), 0.5, 1e-12);
}

TEST(BlobListingTest, PagesOfAListCoverItOnceInOrder) {
  std::vector<Digest> digests = ManyDigests(95);
  BlobListPage first = ListPageOf(digests, std::nullopt, 40);
  EXPECT_EQ(first.store_blobs, 95);
  EXPECT_TRUE(first.more);
  EXPECT_TRUE(std::is_sorted(first.digests.begin(), first.digests.end(), ListingLess));
  BlobListPage rest = ListPageOf(digests, first.digests.back(), 100);
  EXPECT_FALSE(rest.more);
  EXPECT_EQ(first.digests.size() + rest.digests.size(), 95u);
  EXPECT_TRUE(ListingLess(first.digests.back(), rest.digests.front()));
}

TEST(BlobIndexListingTest, PagesListEveryBlobOnceInOrderAcrossSlotRanges) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  std::vector<Digest> digests = ManyDigests(1000);
  digests.push_back(Of("sha512", DigestFunction::kSha512));  // Hashes longer than a slot.
  digests.push_back(Of("sha1", DigestFunction::kSha1));
  for (const Digest& digest : digests) index.Insert(digest);
  std::vector<Digest> listed;
  std::optional<Digest> after;
  while (true) {
    BlobIndex::ListingScan scan(after, 64);
    for (uint32_t next = 0; next < index.slot_capacity();) next = index.ScanForListing(scan, next, 100);
    BlobListPage page = scan.Finish();
    listed.insert(listed.end(), page.digests.begin(), page.digests.end());
    if (!page.more) break;
    ASSERT_EQ(page.digests.size(), 64u);
    after = page.digests.back();
  }
  std::sort(digests.begin(), digests.end(), ListingLess);
  EXPECT_EQ(listed, digests);
}

TEST(BlobIndexListingTest, ShrinkingChangesTheLayoutVersion) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  std::vector<Digest> digests = ManyDigests(20000);
  for (const Digest& digest : digests) index.Insert(digest);
  const uint64_t before = index.layout_version();
  for (size_t i = 0; i < 15000; ++i) index.Remove(digests[i]);
  ASSERT_TRUE(index.ShrinkIfSparse());
  EXPECT_NE(index.layout_version(), before);
}

TEST(DiskBlobStoreListingTest, ListsWhatItHoldsWithTotalsAndWithoutTouchingTheLru) {
  TempDir dir;
  DiskBlobStoreOptions options;
  options.root = dir.path();
  options.max_bytes = 1 << 20;
  auto store = DiskBlobStore::Open(options);
  ASSERT_TRUE(store.ok());
  std::vector<Digest> digests;
  for (int i = 0; i < 300; ++i) {
    const std::string data = "blob " + std::to_string(i);
    digests.push_back(Of(data));
    ASSERT_TRUE(WriteBlob(**store, digests.back(), data).ok());
  }
  int pages = 0;
  std::vector<Digest> listed = ListAll(**store, 32, &pages);
  EXPECT_EQ(pages, 10);
  std::vector<Digest> expected = digests;
  std::sort(expected.begin(), expected.end(), ListingLess);
  EXPECT_EQ(listed, expected);
  auto totals = (*store)->ListBlobs(std::nullopt, 0);
  ASSERT_TRUE(totals.ok());
  EXPECT_TRUE(totals->digests.empty());
  EXPECT_EQ(totals->store_blobs, 300);
  EXPECT_EQ(totals->store_bytes, (*store)->total_bytes());
  // Listing made nothing recently used: the first written are still evicted first.
  int64_t big_size = (1 << 20) - (*store)->total_bytes() + 20;
  const std::string big(static_cast<size_t>(big_size), 'x');
  ASSERT_TRUE(WriteBlob(**store, Of(big), big).ok());
  EXPECT_FALSE(ContainsBlob(**store, digests[0]));
  EXPECT_TRUE(ContainsBlob(**store, digests[299]));
}

TEST(DiskBlobStoreListingTest, ABlobPresentThroughoutIsListedOnceWhileOthersComeAndGo) {
  TempDir dir;
  DiskBlobStoreOptions options;
  options.root = dir.path();
  auto store = DiskBlobStore::Open(options);
  ASSERT_TRUE(store.ok());
  std::vector<Digest> kept = ManyDigests(200);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(WriteBlob(**store, kept[i], "blob " + std::to_string(i)).ok());
  std::set<std::string> seen;
  std::optional<Digest> after;
  int written = 0;
  while (true) {
    auto page = (*store)->ListBlobs(after, 25);
    ASSERT_TRUE(page.ok());
    for (const Digest& digest : page->digests) EXPECT_TRUE(seen.insert(digest.ToString()).second);
    // New blobs arrive between pages, before and after the cursor.
    for (int i = 0; i < 10; ++i, ++written) {
      const std::string data = "new " + std::to_string(written);
      ASSERT_TRUE(WriteBlob(**store, Of(data), data).ok());
    }
    if (!page->more) break;
    after = page->digests.back();
  }
  for (const Digest& digest : kept) EXPECT_TRUE(seen.contains(digest.ToString())) << digest.ToString();
}

}  // namespace
}  // namespace kiln
