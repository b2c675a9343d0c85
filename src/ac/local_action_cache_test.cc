#include "ac/local_action_cache.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"

namespace kiln {
namespace {

class LocalActionCacheTest : public ::testing::Test {
 protected:
  Digest Store(const std::string& data) {
    Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    EXPECT_TRUE(WriteBlob(cas_, digest, data).ok());
    return digest;
  }
  static Digest Absent(const std::string& data) { return ComputeDigest(DigestFunction::kSha256, data); }

  MemoryBlobStore cas_;
  MemoryRecordStore records_;
  LocalActionCache cache_{&records_, &cas_, /*max_inline_bytes=*/1024};
  Digest action_ = ComputeDigest(DigestFunction::kSha256, "action");
};

TEST_F(LocalActionCacheTest, MissThenHit) {
  EXPECT_EQ(cache_.Get("", action_, {}).status().code(), StatusCode::kNotFound);
  reapi::ActionResult result;
  result.set_exit_code(3);
  *result.add_output_files()->mutable_digest() = ToProto(Store("out"));
  ASSERT_TRUE(cache_.Put("", action_, result).ok());
  auto hit = cache_.Get("", action_, {});
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  EXPECT_EQ(hit->exit_code(), 3);
}

TEST_F(LocalActionCacheTest, InstancesAndDigestFunctionsAreSeparateKeys) {
  ASSERT_TRUE(cache_.Put("a", action_, reapi::ActionResult()).ok());
  EXPECT_TRUE(cache_.Get("a", action_, {}).ok());
  EXPECT_EQ(cache_.Get("b", action_, {}).status().code(), StatusCode::kNotFound);
  EXPECT_NE(ActionCacheKey("a", action_), ActionCacheKey("b", action_));
  EXPECT_NE(ActionCacheKey("", ComputeDigest(DigestFunction::kSha256, "x")),
            ActionCacheKey("", ComputeDigest(DigestFunction::kSha1, "x")));
}

TEST_F(LocalActionCacheTest, ResultWithMissingBlobIsAMiss) {
  reapi::ActionResult result;
  *result.add_output_files()->mutable_digest() = ToProto(Absent("never uploaded"));
  *result.mutable_stdout_digest() = ToProto(Store("stdout"));
  ASSERT_TRUE(cache_.Put("", action_, result).ok());
  auto miss = cache_.Get("", action_, {});
  EXPECT_EQ(miss.status().code(), StatusCode::kNotFound);
  EXPECT_NE(miss.status().message().find("no longer in the CAS"), std::string::npos);
  Store("never uploaded");
  EXPECT_TRUE(cache_.Get("", action_, {}).ok());
}

TEST_F(LocalActionCacheTest, FilesInsideOutputTreesAreChecked) {
  reapi::Tree tree;
  auto* file = tree.mutable_root()->add_files();
  file->set_name("inner");
  *file->mutable_digest() = ToProto(Absent("inner contents"));
  reapi::ActionResult result;
  auto* dir = result.add_output_directories();
  dir->set_path("out");
  *dir->mutable_tree_digest() = ToProto(Store(tree.SerializeAsString()));
  ASSERT_TRUE(cache_.Put("", action_, result).ok());
  EXPECT_EQ(cache_.Get("", action_, {}).status().code(), StatusCode::kNotFound);
  Store("inner contents");
  EXPECT_TRUE(cache_.Get("", action_, {}).ok());
}

TEST_F(LocalActionCacheTest, MissingTreeIsAMiss) {
  reapi::ActionResult result;
  *result.add_output_directories()->mutable_tree_digest() = ToProto(Absent("tree"));
  ASSERT_TRUE(cache_.Put("", action_, result).ok());
  EXPECT_EQ(cache_.Get("", action_, {}).status().code(), StatusCode::kNotFound);
}

TEST_F(LocalActionCacheTest, ATreeOverTheMessageCapIsAMissAndIsNotRead) {
  reapi::Tree tree;
  for (int i = 0; i < 30; ++i) {
    auto* file = tree.mutable_root()->add_files();
    file->set_name("file" + std::to_string(100 + i));
    *file->mutable_digest() = ToProto(Store("content " + std::to_string(i)));
  }
  const Digest tree_digest = Store(tree.SerializeAsString());
  LocalActionCache capped(&records_, &cas_, /*max_inline_bytes=*/1024, /*max_message_bytes=*/tree_digest.size() - 1);
  reapi::ActionResult result;
  auto* dir = result.add_output_directories();
  dir->set_path("out");
  *dir->mutable_tree_digest() = ToProto(tree_digest);
  ASSERT_TRUE(capped.Put("", action_, result).ok());
  auto miss = capped.Get("", action_, {});
  EXPECT_EQ(miss.status().code(), StatusCode::kNotFound);
  EXPECT_NE(miss.status().message().find("over the limit of " + std::to_string(tree_digest.size() - 1) +
                                         " bytes for one message (--max-message-bytes)"),
            std::string::npos)
      << miss.status().message();
  EXPECT_TRUE(cache_.Get("", action_, {}).ok()) << "within the default cap, the same record is a hit";
}

TEST_F(LocalActionCacheTest, InlinesRequestedContentsWithinTheLimit) {
  reapi::ActionResult result;
  *result.mutable_stdout_digest() = ToProto(Store("hello stdout"));
  *result.mutable_stderr_digest() = ToProto(Store("hello stderr"));
  auto* small = result.add_output_files();
  small->set_path("small");
  *small->mutable_digest() = ToProto(Store("tiny"));
  auto* big = result.add_output_files();
  big->set_path("big");
  *big->mutable_digest() = ToProto(Store(std::string(2000, 'b')));
  ASSERT_TRUE(cache_.Put("", action_, result).ok());

  InlineRequest request;
  request.stdout_raw = true;
  request.output_files = {"small", "big"};
  auto hit = cache_.Get("", action_, request);
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ(hit->stdout_raw(), "hello stdout");
  EXPECT_EQ(hit->stderr_raw(), "");  // Not asked for.
  EXPECT_EQ(hit->output_files(0).contents(), "tiny");
  EXPECT_EQ(hit->output_files(1).contents(), "");  // Over the 1 KiB inline limit.
}

TEST_F(LocalActionCacheTest, PutRejectsMalformedDigests) {
  reapi::ActionResult result;
  result.add_output_files()->mutable_digest()->set_hash("XYZ");
  Status status = cache_.Put("", action_, result);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("output_files[0].digest"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace kiln
