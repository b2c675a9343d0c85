#include "server/advertised_target.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(AdvertisedTargetTest, TheListeningHostWithTheBoundPort) {
  EXPECT_EQ(DefaultAdvertisedTarget("127.0.0.5:0", 41234, false, "box"), "grpc://127.0.0.5:41234");
  EXPECT_EQ(DefaultAdvertisedTarget("frontend-a.farm:8980", 8980, true, "box"), "grpcs://frontend-a.farm:8980");
  EXPECT_EQ(DefaultAdvertisedTarget("[fd00::7]:8980", 8980, false, "box"), "grpc://[fd00::7]:8980");
}

TEST(AdvertisedTargetTest, TheHostsNameWhenListeningEverywhere) {
  EXPECT_EQ(DefaultAdvertisedTarget("0.0.0.0:8980", 8980, false, "build-7"), "grpc://build-7:8980");
  EXPECT_EQ(DefaultAdvertisedTarget("[::]:8980", 8980, true, "build-7"), "grpcs://build-7:8980");
  EXPECT_EQ(DefaultAdvertisedTarget(":8980", 8980, false, "build-7"), "grpc://build-7:8980");
}

}  // namespace
}  // namespace kiln
