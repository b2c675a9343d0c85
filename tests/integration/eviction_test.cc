// CAS eviction end to end with a 1 MiB budget: least recently used blobs go first, but a
// blob FindMissingBlobs just reported present is protected for the grace period, since
// the client is about to reference it in an action without uploading it.
#include <algorithm>
#include <thread>

#include "test_util.h"

namespace kiln_test {
namespace {

constexpr int64_t kBudget = 1 << 20;
constexpr size_t kBlobBytes = 100 * 1024;  // Ten fit in the budget, eleven do not.

class EvictionTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--max-cas-bytes", "1M"}; }

  std::string NewBlob() { return PseudoRandomBytes(kBlobBytes, next_seed_++); }
  // One call per blob, so the upload order is the recency order.
  void Upload(const std::vector<std::string>& blobs) {
    for (const auto& blob : blobs) ASSERT_TRUE(BatchUpload(cas(), "", {blob}));
  }
  // Note: asking FindMissing about present blobs pins them; tests ask once, at the end.
  std::vector<bool> Present(const std::vector<std::string>& blobs) {
    std::vector<reapi::Digest> digests, missing;
    for (const auto& blob : blobs) digests.push_back(ProtoDigestOf(blob));
    EXPECT_TRUE(FindMissing(cas(), "", digests, &missing).ok());
    std::vector<bool> present;
    for (const auto& digest : digests) {
      present.push_back(std::none_of(missing.begin(), missing.end(), [&](auto& m) { return m.hash() == digest.hash(); }));
    }
    return present;
  }
  std::vector<std::string> Blobs(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(NewBlob());
    return out;
  }

  uint64_t next_seed_ = 1;
};

TEST_F(EvictionTest, OldestBlobsAreEvictedButFindMissingPinsSurvive) {
  const std::vector<std::string> old = Blobs(4);
  const std::string pinned = NewBlob();
  Upload(old);
  Upload({pinned});
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(pinned)}, &missing).ok());
  ASSERT_TRUE(missing.empty());

  // 15 blobs of 100 KiB against a 1 MiB budget: five must go, and the pinned one,
  // although older than the newcomers, may not be among them.
  const std::vector<std::string> fresh = Blobs(10);
  Upload(fresh);

  std::string data;
  grpc::Status status = ByteStreamRead(bytestream(), ReadName("", pinned), &data);
  ASSERT_TRUE(status.ok()) << "the pinned blob was evicted: " << Describe(status);
  EXPECT_TRUE(data == pinned);
  const std::vector<bool> old_present = Present(old);
  for (size_t i = 0; i < old.size(); ++i) EXPECT_FALSE(old_present[i]) << "old blob " << i << " survived";
  std::vector<std::string> newest(fresh.end() - 5, fresh.end());
  for (bool present : Present(newest)) EXPECT_TRUE(present) << "a recent blob was evicted";
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), ReadName("", old[0]), &data), grpc::StatusCode::NOT_FOUND));
}

TEST_F(EvictionTest, ReadsRefreshRecency) {
  const std::vector<std::string> first = Blobs(3);  // a, b, c
  Upload(first);
  std::string data;
  ASSERT_TRUE(ByteStreamRead(bytestream(), ReadName("", first[0]), &data).ok());  // a is now recent
  Upload(Blobs(8));  // 11 blobs: exactly one must go, the least recently used: b.
  const std::vector<bool> present = Present(first);
  EXPECT_TRUE(present[0]) << "a was read recently";
  EXPECT_FALSE(present[1]) << "b was the least recently used";
  EXPECT_TRUE(present[2]);
}

TEST_F(EvictionTest, StoredBytesStayWithinTheBudget) {
  std::vector<std::string> all = Blobs(30);
  Upload(all);
  int64_t stored = 0;
  const std::vector<bool> present = Present(all);
  for (size_t i = 0; i < all.size(); ++i) stored += present[i] ? static_cast<int64_t>(all[i].size()) : 0;
  EXPECT_LE(stored, kBudget);
  EXPECT_TRUE(present.back());
  // A blob larger than the whole budget cannot be stored at all, and must not evict the rest.
  // The budget is also the advertised max_cas_blob_size_bytes: INVALID_ARGUMENT, as REAPI says.
  const std::string too_big = PseudoRandomBytes(kBudget + 1, 999);
  int64_t committed = 0;
  EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), WriteName("", too_big), too_big, 64 * 1024, &committed),
                        grpc::StatusCode::INVALID_ARGUMENT, "max_cas_blob_size_bytes"));
  EXPECT_TRUE(Present({all.back()})[0]);
  ExpectStillServing();
}

// A GetActionResult hit promises the client it can download the outputs, so it protects
// the referenced blobs like FindMissingBlobs does.
TEST_F(EvictionTest, ActionCacheHitPinsTheResultsBlobs) {
  const std::string output = NewBlob(), out_text = "stdout of the cached action";
  Upload({output, out_text});
  reapi::UpdateActionResultRequest update;
  *update.mutable_action_digest() = ProtoDigestOf("eviction action");
  auto* file = update.mutable_action_result()->add_output_files();
  file->set_path("out");
  *file->mutable_digest() = ProtoDigestOf(output);
  *update.mutable_action_result()->mutable_stdout_digest() = ProtoDigestOf(out_text);
  reapi::ActionResult result;
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    ASSERT_TRUE(action_cache().UpdateActionResult(&context, update, &result).ok());
  }
  {
    reapi::GetActionResultRequest get;
    *get.mutable_action_digest() = update.action_digest();
    grpc::ClientContext context;
    SetDeadline(&context);
    ASSERT_TRUE(action_cache().GetActionResult(&context, get, &result).ok());
  }
  Upload(Blobs(10));  // Over budget; the two result blobs are the least recently used.
  std::string data;
  EXPECT_TRUE(ByteStreamRead(bytestream(), ReadName("", output), &data).ok()) << "output evicted after a cache hit";
  EXPECT_TRUE(ByteStreamRead(bytestream(), ReadName("", out_text), &data).ok()) << "stdout evicted after a cache hit";
}

// With a short grace period, a pin expires and the blob becomes evictable again.
class ShortGraceEvictionTest : public EvictionTest {
  std::vector<std::string> ServerFlags() const override {
    return {"--max-cas-bytes", "1M", "--find-missing-grace", "1s"};
  }
};

TEST_F(ShortGraceEvictionTest, ExpiredPinNoLongerProtects) {
  const std::string pinned = NewBlob();
  Upload({pinned});
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(pinned)}, &missing).ok());
  ASSERT_TRUE(missing.empty());
  // The index stores pin deadlines rounded up to whole seconds (a pin may last up to a
  // second longer, never shorter), so wait out grace + 1 s.
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  Upload(Blobs(10));
  std::string data;
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), ReadName("", pinned), &data), grpc::StatusCode::NOT_FOUND));
}

}  // namespace
}  // namespace kiln_test
