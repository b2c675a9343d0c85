// RedisActionCache against a real redis-server: hits, misses, the TTL a hit refreshes,
// results whose blobs left the CAS, the size cap, and Redis or the CAS going away.
#include "backplane/redis_action_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <mutex>
#include <unordered_set>
#include <thread>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "redis/redis_key_slot.h"
#include "testing/redis_backplane_for_tests.h"
#include "testing/redis_cluster.h"
#include "testing/redis_server_process.h"

namespace kiln {
namespace {

using testing_support::RedisBackplaneForTests;

// A CAS whose blobs can be made to vanish (as eviction would) or which can stop answering
// (a storage node out of reach); counts FindMissing calls.
class TestCas final : public BlobStore {
 public:
  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override {
    auto missing = FindMissingOrError(digests);
    return missing.ok() ? *missing : digests;
  }
  StatusOr<std::vector<Digest>> FindMissingOrError(const std::vector<Digest>& digests) override {
    std::lock_guard lock(mutex_);
    ++find_missing_calls_;
    if (unreachable_) return Status::Unavailable("storage node unreachable");
    std::vector<Digest> missing = blobs_.FindMissing(digests);
    for (const Digest& digest : digests) {
      if (vanished_.count(digest)) missing.push_back(digest);
    }
    return missing;
  }
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override {
    return blobs_.OpenRead(digest, offset);
  }
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override { return blobs_.OpenWrite(digest); }

  Digest Store(const std::string& data) {
    const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    EXPECT_TRUE(WriteBlob(blobs_, digest, data).ok());
    return digest;
  }
  void Vanish(const Digest& digest) {
    std::lock_guard lock(mutex_);
    vanished_.insert(digest);
  }
  void SetUnreachable(bool unreachable) {
    std::lock_guard lock(mutex_);
    unreachable_ = unreachable;
  }
  int find_missing_calls() {
    std::lock_guard lock(mutex_);
    return find_missing_calls_;
  }

 private:
  MemoryBlobStore blobs_;
  std::mutex mutex_;
  std::unordered_set<Digest, DigestHash> vanished_;
  bool unreachable_ = false;
  int find_missing_calls_ = 0;
};

class RedisActionCacheTest : public ::testing::Test {
 protected:
  RedisActionCacheTest() {
    options_.key_namespace = "ac-" + std::to_string(::getpid()) + "-" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name();
    options_.ttl = std::chrono::seconds(100);
    options_.max_entry_bytes = 4096;
    options_.max_inline_bytes = 1024;
  }
  redis::RedisClient& redis() { return RedisBackplaneForTests::Get().client(); }
  RedisActionCache& cache() {
    if (!cache_) cache_ = std::make_unique<RedisActionCache>(&redis(), &cas_, options_);
    return *cache_;
  }
  int64_t TtlOf(const std::string& key) {
    auto reply = redis().Run(key, {"TTL", key});
    EXPECT_TRUE(reply.ok() && reply->is_integer());
    return reply.ok() ? reply->integer : -3;
  }
  // A result with an output file and stdout, both in the CAS.
  reapi::ActionResult CompleteResult() {
    reapi::ActionResult result;
    result.set_exit_code(0);
    auto* file = result.add_output_files();
    file->set_path("out.txt");
    *file->mutable_digest() = ToProto(cas_.Store("output"));
    *result.mutable_stdout_digest() = ToProto(cas_.Store("stdout"));
    return result;
  }

  RedisActionCacheOptions options_;
  TestCas cas_;
  std::unique_ptr<RedisActionCache> cache_;
  const Digest action_ = ComputeDigest(DigestFunction::kSha256, "action");
};

TEST_F(RedisActionCacheTest, MissThenHit) {
  auto miss = cache().Get("", action_, {});
  EXPECT_EQ(miss.status().code(), StatusCode::kNotFound) << miss.status().ToString();
  ASSERT_TRUE(cache().Put("", action_, CompleteResult()).ok());
  auto hit = cache().Get("", action_, {});
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  EXPECT_EQ(hit->output_files(0).path(), "out.txt");
  EXPECT_EQ(cas_.find_missing_calls(), 1) << "every blob is checked in one call";
  EXPECT_EQ(cache().Get("another-instance", action_, {}).status().code(), StatusCode::kNotFound);
}

TEST_F(RedisActionCacheTest, EachEntryIsItsOwnHashTagSoThatEntriesSpreadOverACluster) {
  const Digest other = ComputeDigest(DigestFunction::kSha256, "other action");
  const std::string key = cache().KeyFor("", action_);
  EXPECT_EQ(key, "kiln:" + options_.key_namespace + ":ac:{" + ActionCacheKey("", action_) + "}");
  EXPECT_EQ(redis::KeySlot(key), redis::KeySlot(ActionCacheKey("", action_)));
  EXPECT_NE(redis::KeySlot(key), redis::KeySlot(cache().KeyFor("", other)));
}

TEST_F(RedisActionCacheTest, PutSetsTheTtlAndAHitRefreshesIt) {
  ASSERT_TRUE(cache().Put("", action_, CompleteResult()).ok());
  const std::string key = cache().KeyFor("", action_);
  EXPECT_GT(TtlOf(key), 90);
  ASSERT_TRUE(redis().Run(key, {"EXPIRE", key, "5"}).ok());
  EXPECT_LE(TtlOf(key), 5);
  ASSERT_TRUE(cache().Get("", action_, {}).ok());
  EXPECT_GT(TtlOf(key), 90);
}

TEST_F(RedisActionCacheTest, AnEntryNotHitWithinItsTtlIsGone) {
  options_.ttl = std::chrono::seconds(1);
  ASSERT_TRUE(cache().Put("", action_, CompleteResult()).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(cache().Get("", action_, {}).status().code(), StatusCode::kNotFound);
}

TEST_F(RedisActionCacheTest, AResultWhoseBlobLeftTheCasIsAMiss) {
  reapi::ActionResult result = CompleteResult();
  ASSERT_TRUE(cache().Put("", action_, result).ok());
  ASSERT_TRUE(cache().Get("", action_, {}).ok());
  cas_.Vanish(*FromProto(DigestFunction::kSha256, result.stdout_digest(), ""));
  auto miss = cache().Get("", action_, {});
  EXPECT_EQ(miss.status().code(), StatusCode::kNotFound);
  EXPECT_NE(miss.status().message().find("no longer in the CAS"), std::string::npos) << miss.status().message();
}

TEST_F(RedisActionCacheTest, FilesInsideOutputTreesAreChecked) {
  reapi::Tree tree;
  auto* file = tree.mutable_root()->add_files();
  file->set_name("inner");
  const Digest inner = ComputeDigest(DigestFunction::kSha256, "inner contents");
  *file->mutable_digest() = ToProto(inner);
  reapi::ActionResult result;
  auto* directory = result.add_output_directories();
  directory->set_path("out");
  *directory->mutable_tree_digest() = ToProto(cas_.Store(tree.SerializeAsString()));
  ASSERT_TRUE(cache().Put("", action_, result).ok());
  EXPECT_EQ(cache().Get("", action_, {}).status().code(), StatusCode::kNotFound);
  cas_.Store("inner contents");
  EXPECT_TRUE(cache().Get("", action_, {}).ok());
}

TEST_F(RedisActionCacheTest, AnOversizedResultIsRefusedAndNotStored) {
  reapi::ActionResult result = CompleteResult();
  result.set_stderr_raw(std::string(5000, 'e'));  // No stderr digest: it would be kept.
  Status put = cache().Put("", action_, result);
  EXPECT_EQ(put.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(put.message().find("over the action cache's limit of 4096 bytes per entry"), std::string::npos)
      << put.message();
  EXPECT_EQ(cache().Get("", action_, {}).status().code(), StatusCode::kNotFound);
}

TEST_F(RedisActionCacheTest, InlinedBytesTheCasHoldsAreNotStoredButInlinedOnRequest) {
  reapi::ActionResult result = CompleteResult();
  result.mutable_output_files(0)->set_contents(std::string(3000, 'o'));  // Would not fit, kept.
  result.set_stdout_raw(std::string(3000, 's'));
  ASSERT_TRUE(cache().Put("", action_, result).ok());
  auto plain = cache().Get("", action_, {});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_TRUE(plain->stdout_raw().empty());
  EXPECT_TRUE(plain->output_files(0).contents().empty());
  InlineRequest inline_request;
  inline_request.stdout_raw = true;
  inline_request.output_files = {"out.txt"};
  auto inlined = cache().Get("", action_, inline_request);
  ASSERT_TRUE(inlined.ok());
  EXPECT_EQ(inlined->stdout_raw(), "stdout");
  EXPECT_EQ(inlined->output_files(0).contents(), "output");
}

TEST_F(RedisActionCacheTest, MalformedDigestsAreRefused) {
  reapi::ActionResult result;
  result.add_output_files()->mutable_digest()->set_hash("not hex");
  EXPECT_EQ(cache().Put("", action_, result).code(), StatusCode::kInvalidArgument);
}

TEST_F(RedisActionCacheTest, ACasThatCannotAnswerIsAnErrorNotAMiss) {
  ASSERT_TRUE(cache().Put("", action_, CompleteResult()).ok());
  cas_.SetUnreachable(true);
  EXPECT_EQ(cache().Get("", action_, {}).status().code(), StatusCode::kUnavailable);
}

TEST(RedisActionCacheOutageTest, RedisDownIsUnavailableAndTheCacheWorksAgainOnceItIsBack) {
  auto server = testing::RedisServerProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  redis::RedisAddress address;
  address.seeds.push_back((*server)->endpoint());
  redis::RedisClientOptions client_options;
  client_options.retry_window = std::chrono::milliseconds(200);
  auto client = redis::ConnectRedis(address, client_options);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  TestCas cas;
  RedisActionCache cache(client->get(), &cas, RedisActionCacheOptions());
  const Digest action = ComputeDigest(DigestFunction::kSha256, "action");
  ASSERT_TRUE(cache.Put("", action, reapi::ActionResult()).ok());

  (*server)->Kill();
  auto get = cache.Get("", action, {});
  EXPECT_EQ(get.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(get.status().message().find("the action cache's Redis is unavailable"), std::string::npos)
      << get.status().message();
  EXPECT_EQ(cache.Put("", action, reapi::ActionResult()).code(), StatusCode::kUnavailable);

  ASSERT_TRUE((*server)->Restart().ok());  // No persistence: the entry is gone, not the cache.
  EXPECT_EQ(cache.Get("", action, {}).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(cache.Put("", action, reapi::ActionResult()).ok());
  EXPECT_TRUE(cache.Get("", action, {}).ok());
}

TEST(RedisActionCacheClusterTest, EntriesSpreadOverEveryMasterAndAreFoundWhereverTheyAre) {
  auto cluster = testing::RedisCluster::Start(3, 0);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  auto client = redis::ConnectRedis((*cluster)->address(), redis::RedisClientOptions());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->is_cluster());
  TestCas cas;
  RedisActionCache cache(client->get(), &cas, RedisActionCacheOptions());
  reapi::ActionResult result;
  *result.mutable_stdout_digest() = ToProto(cas.Store("stdout"));
  constexpr int kEntries = 30;
  for (int i = 0; i < kEntries; ++i) {
    const Digest action = ComputeDigest(DigestFunction::kSha256, "action " + std::to_string(i));
    ASSERT_TRUE(cache.Put("", action, result).ok()) << i;
  }
  for (int i = 0; i < kEntries; ++i) {
    const Digest action = ComputeDigest(DigestFunction::kSha256, "action " + std::to_string(i));
    auto hit = cache.Get("", action, {});
    EXPECT_TRUE(hit.ok()) << i << ": " << hit.status().ToString();
  }
  for (int master : (*cluster)->Masters()) {
    auto keys = (*cluster)->node(static_cast<size_t>(master)).Cli({"dbsize"});
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    EXPECT_GT(std::stoi(*keys), 0) << "master " << master << " holds no entry";
  }
}

}  // namespace
}  // namespace kiln
