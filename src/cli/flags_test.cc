#include "cli/flags.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(FlagsTest, ParsesByteSizes) {
  EXPECT_EQ(*ParseByteSize("4096"), 4096);
  EXPECT_EQ(*ParseByteSize("512M"), 512LL << 20);
  EXPECT_EQ(*ParseByteSize("10G"), 10LL << 30);
  EXPECT_EQ(*ParseByteSize("1.5GiB"), 3LL << 29);
  EXPECT_EQ(*ParseByteSize("2kb"), 2048);
  EXPECT_FALSE(ParseByteSize("").ok());
  EXPECT_FALSE(ParseByteSize("ten").ok());
  EXPECT_FALSE(ParseByteSize("10X").ok());
  EXPECT_FALSE(ParseByteSize("-5").ok());
  EXPECT_EQ(FormatByteSize(10LL << 30), "10G");
  EXPECT_EQ(FormatByteSize(1000), "1000");
}

TEST(FlagsTest, ParsesDurations) {
  EXPECT_EQ(*ParseDuration("90"), std::chrono::seconds(90));
  EXPECT_EQ(*ParseDuration("10m"), std::chrono::minutes(10));
  EXPECT_EQ(*ParseDuration("2h"), std::chrono::hours(2));
  EXPECT_EQ(*ParseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_FALSE(ParseDuration("soon").ok());
  EXPECT_FALSE(ParseDuration("5d").ok());
  EXPECT_EQ(FormatDuration(std::chrono::minutes(10)), "10m");
}

// Found by fuzz/units_fuzzer.cc: converting more than 292 years to nanoseconds overflowed
// (undefined behaviour; a negative timeout in practice).
TEST(FlagsTest, RefusesDurationsBeyondWhatNanosecondsHold) {
  auto refused = ParseDuration("99999999999999999999999h");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("too long"), std::string::npos) << refused.status().message();
  EXPECT_FALSE(ParseDuration("9999999999").ok());
  EXPECT_EQ(*ParseDuration("100000h"), std::chrono::hours(100000));
}

TEST(FlagsTest, ParsesBothFlagFormsAndReportsDefaultsInUsage) {
  std::string listen = "127.0.0.1:8980";
  int64_t bytes = 1024;
  bool fsync = false;
  int workers = 2;
  FlagSet flags("kiln serve", "test");
  flags.AddString("listen", &listen, "where");
  flags.AddBytes("max", &bytes, "budget");
  flags.AddBool("fsync", &fsync, "sync");
  flags.AddInt("workers", &workers, "slots");
  std::string usage = flags.Usage();
  EXPECT_NE(usage.find("(default: 127.0.0.1:8980)"), std::string::npos);
  EXPECT_NE(usage.find("(default: 1K)"), std::string::npos);
  ASSERT_TRUE(flags.Parse({"--listen", "0.0.0.0:1", "--max=2G", "--fsync", "--workers=0"}).ok());
  EXPECT_EQ(listen, "0.0.0.0:1");
  EXPECT_EQ(bytes, 2LL << 30);
  EXPECT_TRUE(fsync);
  EXPECT_EQ(workers, 0);
}

TEST(FlagsTest, ErrorsNameTheFlag) {
  int workers = 0;
  FlagSet flags("x", "y");
  flags.AddInt("workers", &workers, "slots");
  Status unknown = flags.Parse({"--wrokers=2"});
  EXPECT_NE(unknown.message().find("--wrokers"), std::string::npos);
  Status bad = flags.Parse({"--workers=many"});
  EXPECT_NE(bad.message().find("--workers"), std::string::npos);
  EXPECT_FALSE(flags.Parse({"--workers"}).ok());
  EXPECT_FALSE(flags.Parse({"positional"}).ok());
  EXPECT_TRUE(flags.Parse({"--help"}).ok());
  EXPECT_TRUE(flags.help_requested());
}

TEST(FlagsTest, ExitCodeIsZeroForHelpTwoForAnErrorAndNoneOtherwise) {
  FlagSet flags("kiln thing [flags]", "Does a thing.");
  std::string name;
  flags.AddString("name", &name, "What to call it.");

  ASSERT_TRUE(flags.Parse({"--name=x"}).ok());
  EXPECT_EQ(flags.ExitCode(Status::Ok(), "kiln thing"), std::nullopt);

  ::testing::internal::CaptureStderr();
  EXPECT_EQ(flags.ExitCode(Status::InvalidArgument("--name is wrong"), "kiln thing"), 2);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "kiln thing: --name is wrong\n");

  // --help wins over a checking error: the usage is what was asked for.
  ASSERT_TRUE(flags.Parse({"--help"}).ok());
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(flags.ExitCode(Status::InvalidArgument("--name is required"), "kiln thing"), 0);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), flags.Usage());
}

}  // namespace
}  // namespace kiln
