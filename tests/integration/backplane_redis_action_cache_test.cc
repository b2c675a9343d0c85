// A farm whose action cache is in the backplane's Redis (kiln serve --action-cache redis):
// two frontends sharing Redis and a storage node as real processes. What one frontend
// stores, the other serves; the storage node's own action cache is not involved.
#include "execution_util.h"
#include "test_util.h"
#include "testing/redis_server_process.h"

namespace kiln_test {
namespace {

class RedisActionCacheFarmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = kiln::testing::RedisServerProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(redis).value();
    std::string error;
    storage_ = KilnProcess::Start(storage_dir_.path(), {"--role", "storage"}, &error);
    ASSERT_TRUE(storage_) << error;
    a_ = StartFrontend(a_dir_, "1");
    b_ = StartFrontend(b_dir_, "0");
    ASSERT_TRUE(a_ && b_);
  }

  void TearDown() override {
    for (KilnProcess* process : {a_.get(), b_.get(), storage_.get()}) {
      if (process) EXPECT_EQ(process->Stop(), 0) << process->stdout_text();
    }
  }

  std::unique_ptr<KilnProcess> StartFrontend(const TempDir& dir, const std::string& workers) {
    std::string error;
    auto frontend = KilnProcess::Start(dir.path(),
                                       {"--backplane", redis_->url(), "--cas", "grpc://" + storage_->address(),
                                        "--action-cache", "redis", "--workers", workers},
                                       &error);
    EXPECT_TRUE(frontend) << error;
    return frontend;
  }

  static grpc::Status GetActionResult(reapi::ActionCache::Stub& cache, const reapi::Digest& action,
                                      reapi::ActionResult* result) {
    reapi::GetActionResultRequest request;
    *request.mutable_action_digest() = action;
    request.set_inline_stdout(true);
    grpc::ClientContext context;
    SetDeadline(&context);
    return cache.GetActionResult(&context, request, result);
  }

  std::unique_ptr<kiln::testing::RedisServerProcess> redis_;
  TempDir storage_dir_, a_dir_, b_dir_;
  std::unique_ptr<KilnProcess> storage_, a_, b_;
};

TEST_F(RedisActionCacheFarmTest, AResultStoredThroughOneFrontendIsAHitThroughTheOther) {
  const reapi::Digest action = ProtoDigestOf("an action stored through A");
  reapi::UpdateActionResultRequest update;
  *update.mutable_action_digest() = action;
  update.mutable_action_result()->set_exit_code(0);
  *update.mutable_action_result()->mutable_stdout_digest() = Upload(a_->cas(), "built through A\n");
  {
    reapi::ActionResult stored;
    grpc::ClientContext context;
    SetDeadline(&context);
    grpc::Status status = a_->action_cache().UpdateActionResult(&context, update, &stored);
    ASSERT_TRUE(status.ok()) << Describe(status);
  }
  reapi::ActionResult hit;
  grpc::Status status = GetActionResult(b_->action_cache(), action, &hit);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(hit.stdout_raw(), "built through A\n");
  // Kept in Redis, not in the storage node's action cache.
  reapi::ActionResult unused;
  EXPECT_EQ(GetActionResult(storage_->action_cache(), action, &unused).error_code(), grpc::StatusCode::NOT_FOUND);
  auto keys = redis_->Cli({"--scan", "--pattern", "kiln:kiln:ac:*"});
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_NE(keys->find("kiln:kiln:ac:{"), std::string::npos) << *keys;
}

TEST_F(RedisActionCacheFarmTest, AnActionExecutedThroughOneFrontendIsCachedForTheOther) {
  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", "echo shared > out.txt"};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  spec.output_paths = {"out.txt"};
  const reapi::Digest action = UploadAction(a_->cas(), spec);
  ExecuteResult run = Execute(a_->channel(), action);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  ASSERT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
  EXPECT_FALSE(run.response.cached_result());
  ExecuteResult again = Execute(b_->channel(), action);
  ASSERT_TRUE(again.status.ok()) << Describe(again.status);
  EXPECT_TRUE(again.response.cached_result());
  EXPECT_EQ(ReadBlobText(b_->bytestream(), again.response.result().output_files(0).digest()), "shared\n");
}

// The price of this choice: with the cache in Redis, a Redis outage stops cache reads too
// (the storage node's cache keeps serving them, backplane_farm_test.cc).
TEST_F(RedisActionCacheFarmTest, WhileRedisIsDownLookupsAreUnavailableNotMisses) {
  redis_->Kill();
  reapi::ActionResult result;
  grpc::Status status = GetActionResult(b_->action_cache(), ProtoDigestOf("any action"), &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(status);
  EXPECT_NE(status.error_message().find("the action cache's Redis is unavailable"), std::string::npos)
      << status.error_message();
  ASSERT_TRUE(redis_->Restart().ok());
}

}  // namespace
}  // namespace kiln_test
