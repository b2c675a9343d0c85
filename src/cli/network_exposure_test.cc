#include "cli/network_exposure.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(NetworkExposureTest, LoopbackAddressesAreLocal) {
  for (const char* listen : {"127.0.0.1:8980", "127.1.2.3:0", "localhost:8980", "[::1]:8980", "unix:/tmp/kiln.sock"}) {
    EXPECT_TRUE(IsLoopbackListenAddress(listen)) << listen;
  }
  for (const char* listen : {"0.0.0.0:8980", "[::]:8980", "10.0.0.5:8980", "build.example:8980", "128.0.0.1:1",
                             "[::ffff:127.0.0.1]:1"}) {
    EXPECT_FALSE(IsLoopbackListenAddress(listen)) << listen;
  }
}

TEST(NetworkExposureTest, ANetworkListenerNeedsAnAuthFileOrAnExplicitOptIn) {
  std::string warning;
  EXPECT_TRUE(CheckNetworkExposure("127.0.0.1:8980", false, false, &warning).ok());
  EXPECT_TRUE(warning.empty());
  EXPECT_TRUE(CheckNetworkExposure("0.0.0.0:8980", true, false, &warning).ok());
  Status refused = CheckNetworkExposure("0.0.0.0:8980", false, false, &warning);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("--auth-file"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("--allow-anonymous-network-access"), std::string::npos);
  EXPECT_TRUE(CheckNetworkExposure("0.0.0.0:8980", false, true, &warning).ok());
  EXPECT_NE(warning.find("WARNING"), std::string::npos);
}

}  // namespace
}  // namespace kiln
