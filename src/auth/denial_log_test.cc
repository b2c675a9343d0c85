#include "auth/denial_log.h"

#include <gtest/gtest.h>

#include <vector>

namespace kiln {
namespace {

class DenialLogTest : public ::testing::Test {
 protected:
  void Deny(std::string_view principal, std::string_view method) {
    const Status status = Status(StatusCode::kPermissionDenied, "principal " + std::string(principal) + " lacks cas-write");
    log_.Record(Denial{principal, method, "team/a", "ipv4:127.0.0.1:5000", &status});
  }

  FakeClock clock_;
  std::vector<std::string> lines_;
  DenialLog log_{&clock_, [this](const std::string& line) { lines_.push_back(line); }};
};

TEST_F(DenialLogTest, OneLinePerPrincipalAndMethodPerMinuteCountingTheRest) {
  Deny("ci", "/m/Write");
  Deny("ci", "/m/Write");
  Deny("ci", "/m/Write");
  Deny("ci", "/m/Read");     // Another method: its own line.
  Deny("other", "/m/Write");  // Another principal: its own line.
  ASSERT_EQ(lines_.size(), 3u);
  EXPECT_EQ(lines_[0],
            "kiln: denied /m/Write to ci on instance \"team/a\" from ipv4:127.0.0.1:5000: PERMISSION_DENIED: principal "
            "ci lacks cas-write\n");
  clock_.Advance(std::chrono::seconds(59));
  Deny("ci", "/m/Write");
  EXPECT_EQ(lines_.size(), 3u);
  clock_.Advance(std::chrono::seconds(1));
  Deny("ci", "/m/Write");
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_NE(lines_[3].find("(and 3 more such denials since the last report)"), std::string::npos) << lines_[3];
}

}  // namespace
}  // namespace kiln
