#include "cli/upload_limit_flags.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(UploadLimitFlagsTest, DefaultsFollowTheDescriptorLimit) {
  auto small = ResolveUploadLimits({}, 1024);
  ASSERT_TRUE(small.ok()) << small.status().message();
  EXPECT_EQ(small->max_open, 256);
  EXPECT_EQ(small->max_per_connection, 32);
  auto large = ResolveUploadLimits({}, 1 << 20);
  ASSERT_TRUE(large.ok());
  EXPECT_EQ(large->max_open, 4096);
  EXPECT_EQ(large->max_per_connection, 512);
}

TEST(UploadLimitFlagsTest, ExplicitValuesAreKeptWithinHalfTheLimit) {
  UploadLimitFlags flags;
  flags.max_open = 500;
  flags.max_per_connection = 7;
  auto resolved = ResolveUploadLimits(flags, 1000);
  ASSERT_TRUE(resolved.ok()) << resolved.status().message();
  EXPECT_EQ(resolved->max_open, 500);
  EXPECT_EQ(resolved->max_per_connection, 7);

  flags.max_open = 501;
  auto refused = ResolveUploadLimits(flags, 1000);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("--max-open-uploads 501"), std::string::npos);
  EXPECT_NE(refused.status().message().find("limit of 1000"), std::string::npos);
}

TEST(UploadLimitFlagsTest, RefusesInconsistentOrTinyLimits) {
  UploadLimitFlags flags;
  flags.max_open = 10;
  flags.max_per_connection = 11;
  EXPECT_NE(ResolveUploadLimits(flags, 1024).status().message().find("--max-uploads-per-connection 11"),
            std::string::npos);
  EXPECT_EQ(ResolveUploadLimits({}, 100).status().code(), StatusCode::kFailedPrecondition);
  UploadLimitFlags no_stall;
  no_stall.stall_timeout = Duration::zero();
  EXPECT_NE(ResolveUploadLimits(no_stall, 1024).status().message().find("--upload-stall-timeout"), std::string::npos);
}

}  // namespace
}  // namespace kiln
