// Per-action limits through the real kiln serve: a limit breach is RESOURCE_EXHAUSTED in
// ExecuteResponse.status naming the limit, kiln:max-* platform properties ask for other
// limits (and take no part in platform matching), and bad ones are refused.
#include "execution_util.h"
#include "worker/action_cgroup.h"

namespace kiln_test {
namespace {

class ActionLimitsTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override {
    return {"--workers", "2", "--action-max-log-bytes", "64K", "--action-max-log-bytes-limit", "4M",
            "--action-max-processes", "40"};
  }
  ExecuteResult Run(const std::string& script, std::vector<std::pair<std::string, std::string>> platform = {}) {
    ActionSpec spec;
    spec.arguments = {"/bin/sh", "-c", script};
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    spec.platform = std::move(platform);
    return Execute(server().channel(), UploadAction(cas(), spec), /*skip_cache_lookup=*/true);
  }
};

TEST_F(ActionLimitsTest, ABreachIsResourceExhaustedNamingTheLimit) {
  ExecuteResult run = Run("head -c 1048576 /dev/zero; sleep 30");
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  EXPECT_EQ(run.response.status().code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(run.response.status());
  EXPECT_NE(run.response.status().message().find("--action-max-log-bytes"), std::string::npos);
  EXPECT_FALSE(run.response.cached_result());
}

TEST_F(ActionLimitsTest, PlatformPropertiesAskForOtherLimitsWithoutAWorkerOfferingThem) {
  ExecuteResult run = Run("head -c 1048576 /dev/zero > /dev/null; head -c 100000 /dev/zero", {{"kiln:max-log-bytes", "2M"}});
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  EXPECT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
  EXPECT_EQ(run.response.result().exit_code(), 0);

  run = Run("true", {{"kiln:max-log-bytes", "8M"}});
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  EXPECT_EQ(run.response.status().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(run.response.status().message().find("--action-max-log-bytes-limit"), std::string::npos)
      << Describe(run.response.status());
}

TEST_F(ActionLimitsTest, AMalformedLimitPropertyIsRefusedByExecute) {
  ExecuteResult run = Run("true", {{"kiln:max-memory", "plenty"}});
  EXPECT_EQ(run.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(run.status);
  EXPECT_NE(run.status.error_message().find("kiln:max-memory"), std::string::npos) << Describe(run.status);
}

// 2,005 background processes asked for; the sandbox's limit stops the shell long before.
TEST_F(ActionLimitsTest, AForkBombIsBoundedAndEndsWithItsCommand) {
  ExecuteResult run = Run("for i in $(seq 2005); do sleep 60 & echo $i > /tmp/started; done; exit 0");
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  std::string why_not;
  if (kiln::DiscoverActionCgroups(&why_not)) {  // The cgroup saw the limit hit.
    EXPECT_EQ(run.response.status().code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(run.response.status());
    EXPECT_NE(run.response.status().message().find("more than 40 processes"), std::string::npos)
        << Describe(run.response.status());
  } else {  // Only the shell knows.
    EXPECT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
  }
  EXPECT_NE(run.response.result().exit_code(), 0) << "the shell gave up at a fork that failed";
  const std::string stderr_text = ReadBlobText(bytestream(), run.response.result().stderr_digest());
  EXPECT_NE(stderr_text.find("fork"), std::string::npos) << stderr_text;
  ExpectStillServing();
}

// Where kiln can give each action a cgroup (a root server on this kind of host), memory
// counts the whole action and running out of it is reported by name.
TEST_F(ActionLimitsTest, RunningOutOfMemoryIsResourceExhaustedWhereActionsHaveCgroups) {
  std::string why_not;
  if (!kiln::DiscoverActionCgroups(&why_not)) GTEST_SKIP() << "no cgroups for actions here: " << why_not;
  const std::string hog = "python3 -c 'import time; b = bytearray(60 << 20); time.sleep(3)'";
  ExecuteResult run = Run(hog + " & " + hog + " & wait", {{"kiln:max-memory", "80M"}});
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  EXPECT_EQ(run.response.status().code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(run.response.status());
  EXPECT_NE(run.response.status().message().find("--action-max-memory or kiln:max-memory"), std::string::npos)
      << Describe(run.response.status());
}

}  // namespace
}  // namespace kiln_test
