// RemoteActionCache against a real in-process storage node (a KilnServer with role
// storage): hits, misses, the node's completeness check, instance names, inlining, and a
// node that is down.
#include "client/remote_action_cache.h"

#include <gtest/gtest.h>

#include "client/remote_blob_store.h"
#include "common/hasher.h"
#include "server/kiln_server.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

std::shared_ptr<grpc::Channel> ChannelTo(int port) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
}

class RemoteActionCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.role = ServerRole::kStorage;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir_.path();
    options.http_listen = "";  // No HTTP port: these servers run side by side (the default is one port).
    options.workers = 0;
    options.allow_remote_workers = false;
    options.scrub_bytes_per_second = 0;
    auto server = KilnServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    auto channel = ChannelTo(server_->port());
    node_cas_ = NewRemoteBlobStore(channel, RemoteBlobStoreOptions());
    RemoteActionCacheOptions cache_options;
    cache_options.rpc_timeout = std::chrono::seconds(20);
    cache_options.inline_cas = node_cas_.get();
    cache_options.max_inline_bytes = 1024;
    cache_ = NewRemoteActionCache(channel, cache_options);
  }

  Digest Store(const std::string& data) {
    Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    EXPECT_TRUE(WriteBlob(*node_cas_, digest, data).ok());
    return digest;
  }

  TempDir dir_;
  std::unique_ptr<KilnServer> server_;
  std::unique_ptr<BlobStore> node_cas_;
  std::unique_ptr<ActionCache> cache_;
  Digest action_ = ComputeDigest(DigestFunction::kSha256, "action");
};

TEST_F(RemoteActionCacheTest, MissThenHitUnderTheSameInstanceOnly) {
  EXPECT_EQ(cache_->Get("main", action_, {}).status().code(), StatusCode::kNotFound);
  reapi::ActionResult result;
  result.set_exit_code(3);
  auto* file = result.add_output_files();
  file->set_path("out");
  *file->mutable_digest() = ToProto(Store("output bytes"));
  ASSERT_TRUE(cache_->Put("main", action_, result).ok());
  auto hit = cache_->Get("main", action_, {});
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  EXPECT_EQ(hit->exit_code(), 3);
  EXPECT_EQ(cache_->Get("other", action_, {}).status().code(), StatusCode::kNotFound);
}

TEST_F(RemoteActionCacheTest, TheNodeChecksThatEveryBlobIsThere) {
  reapi::ActionResult result;
  *result.mutable_stdout_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, "never uploaded"));
  ASSERT_TRUE(cache_->Put("", action_, result).ok());
  EXPECT_EQ(cache_->Get("", action_, {}).status().code(), StatusCode::kNotFound);
}

TEST_F(RemoteActionCacheTest, HitsAreInlinedByTheNodeAndFreshResultsLocally) {
  reapi::ActionResult result;
  *result.mutable_stdout_digest() = ToProto(Store("hello stdout"));
  ASSERT_TRUE(cache_->Put("", action_, result).ok());
  InlineRequest inline_stdout;
  inline_stdout.stdout_raw = true;
  auto hit = cache_->Get("", action_, inline_stdout);
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  EXPECT_EQ(hit->stdout_raw(), "hello stdout");
  reapi::ActionResult fresh = result;
  cache_->InlineContents(fresh, inline_stdout, DigestFunction::kSha256);
  EXPECT_EQ(fresh.stdout_raw(), "hello stdout");
}

TEST_F(RemoteActionCacheTest, MalformedResultsAreRefusedByTheNode) {
  reapi::ActionResult result;
  result.add_output_files()->mutable_digest()->set_hash("not a hash");
  EXPECT_EQ(cache_->Put("", action_, result).code(), StatusCode::kInvalidArgument);
}

TEST_F(RemoteActionCacheTest, ANodeThatIsDownIsUnavailableNotAMiss) {
  server_->Shutdown(std::chrono::seconds(0));
  server_.reset();
  EXPECT_EQ(cache_->Get("", action_, {}).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(cache_->Put("", action_, reapi::ActionResult()).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace kiln
