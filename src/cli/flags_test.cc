#include "cli/flags.h"

#include <gtest/gtest.h>

#include "common/file_util.h"
#include "testing/temp_dir.h"

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

TEST(FlagsTest, TellsWhichFlagsWereGiven) {
  int workers = 4;
  bool remote = true;
  FlagSet flags("test", "");
  flags.AddInt("workers", &workers, "");
  flags.AddBool("remote", &remote, "");
  ASSERT_TRUE(flags.Parse({"--workers=4"}).ok());
  EXPECT_TRUE(flags.WasGiven("workers"));  // Even with its default value.
  EXPECT_FALSE(flags.WasGiven("remote"));
  EXPECT_FALSE(flags.WasGiven("unknown"));
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

TEST(FlagsTest, RangesRefuseValuesOutsideThemNamingFlagAndBounds) {
  int depth = 256;
  int64_t bytes = 16 << 20;
  int64_t threads = 4;
  FlagSet flags("x", "y");
  flags.AddInt("depth", &depth, "levels", FlagRange::Between(0, 4096));
  flags.AddBytes("message", &bytes, "size", FlagRange::Between(1024, int64_t{1} << 30));
  flags.AddInt64("threads", &threads, "count", FlagRange::AtLeast(1));

  EXPECT_EQ(flags.Parse({"--depth=5000"}).message(), "--depth: must be between 0 and 4096 (got 5000)");
  EXPECT_EQ(flags.Parse({"--depth=-1"}).message(), "--depth: must be between 0 and 4096 (got -1)");
  EXPECT_EQ(flags.Parse({"--message=2G"}).message(), "--message: must be between 1K and 1G (got 2G)");
  EXPECT_EQ(flags.Parse({"--threads=0"}).message(), "--threads: must be 1 or more (got 0)");
  EXPECT_EQ(flags.Parse({"--threads=0"}).code(), StatusCode::kInvalidArgument);
  // A refused value leaves the target as it was.
  EXPECT_EQ(depth, 256);
  EXPECT_EQ(bytes, 16 << 20);
  EXPECT_EQ(threads, 4);

  // The bounds themselves are allowed.
  ASSERT_TRUE(flags.Parse({"--depth=4096", "--message=1K", "--threads=1"}).ok());
  EXPECT_EQ(depth, 4096);
  EXPECT_EQ(bytes, 1024);
  EXPECT_EQ(threads, 1);
  ASSERT_TRUE(flags.Parse({"--depth=0", "--message=1G"}).ok());
  EXPECT_EQ(depth, 0);
  EXPECT_EQ(bytes, int64_t{1} << 30);
}

TEST(FlagsTest, AnUpperBoundAloneReadsAtMost) {
  int64_t batch = 4 << 20;
  FlagSet flags("x", "y");
  flags.AddBytes("batch", &batch, "size", FlagRange::AtMost(int64_t{1} << 30));
  EXPECT_EQ(flags.Parse({"--batch=2G"}).message(), "--batch: must be at most 1G (got 2G)");
  EXPECT_TRUE(flags.Parse({"--batch=0"}).ok());
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

// A command's flags as `kiln serve` registers them, with --config.
struct ConfiguredFlags {
  ConfiguredFlags() {
    flags.AddConfigFile();
    flags.AddString("listen", &listen, "where");
    flags.AddBytes("max-cas-bytes", &bytes, "budget", FlagRange::AtLeast(1));
    flags.AddBool("fsync", &fsync, "sync");
    flags.AddInt("workers", &workers, "slots", FlagRange::AtLeast(0));
    flags.AddStringList("platform", &platform, "properties");
  }
  // Writes `text` to a config file and returns the arguments that name it.
  std::vector<std::string> With(const std::string& text) {
    const std::string path = dir.path() + "/kiln.yaml";
    EXPECT_TRUE(WriteFileAtomically(path, text, false).ok());
    return {"--config", path};
  }

  TempDir dir;
  std::string listen = "127.0.0.1:8980";
  int64_t bytes = 1024;
  bool fsync = false;
  int workers = 2;
  std::vector<std::string> platform;
  FlagSet flags{"kiln serve", "test"};
};

TEST(FlagsTest, AConfigFileSetsFlagsAndTheCommandLineOverridesIt) {
  ConfiguredFlags command;
  std::vector<std::string> args = command.With(
      "listen: 0.0.0.0:1\nmax-cas-bytes: 10G\nfsync: true\nworkers: 0\nplatform: [a=1, b=2]\n");
  ASSERT_TRUE(command.flags.Parse(args).ok());
  EXPECT_EQ(command.listen, "0.0.0.0:1");
  EXPECT_EQ(command.bytes, 10LL << 30);
  EXPECT_TRUE(command.fsync);
  EXPECT_EQ(command.workers, 0);
  EXPECT_EQ(command.platform, (std::vector<std::string>{"a=1", "b=2"}));

  ConfiguredFlags overridden;
  args = overridden.With("listen: 0.0.0.0:1\nfsync: true\nworkers: 0\nplatform: [a=1, b=2]\n");
  // Before or after --config: the command line wins either way, and its list replaces the file's.
  args.insert(args.begin(), {"--workers", "7"});
  args.insert(args.end(), {"--fsync=false", "--platform", "c=3", "--platform=d=4"});
  ASSERT_TRUE(overridden.flags.Parse(args).ok());
  EXPECT_EQ(overridden.listen, "0.0.0.0:1");
  EXPECT_FALSE(overridden.fsync);
  EXPECT_EQ(overridden.workers, 7);
  EXPECT_EQ(overridden.platform, (std::vector<std::string>{"c=3", "d=4"}));
}

TEST(FlagsTest, AConfigFileValueTheFlagRefusesIsAnErrorAtItsPlace) {
  ConfiguredFlags command;
  std::vector<std::string> args = command.With("listen: x\nmax-cas-bytes: 0\n");
  EXPECT_EQ(command.flags.Parse(args).message(),
            args[1] + ":2:16: key \"max-cas-bytes\": must be 1 or more (got 0)");
  args = command.With("fsync: yes\n");
  EXPECT_EQ(command.flags.Parse(args).message(), args[1] + ":1:8: key \"fsync\": \"yes\" is not true or false");
  // Even when the command line would override it: the file is wrong all the same.
  args = command.With("workers: many\n");
  args.insert(args.end(), {"--workers", "1"});
  EXPECT_EQ(command.flags.Parse(args).message(), args[1] + ":1:10: key \"workers\": \"many\" is not an integer");
}

TEST(FlagsTest, AConfigFileCannotNameAnotherAndIsGivenOnce) {
  ConfiguredFlags command;
  std::vector<std::string> args = command.With("workers: 1\nconfig: other.yaml\n");
  EXPECT_EQ(command.flags.Parse(args).message(),
            args[1] + ":2:9: key \"config\": a config file cannot name another one");
  args.insert(args.end(), {"--config", args[1]});
  EXPECT_EQ(command.flags.Parse(args).message(), "--config may be given only once");
  EXPECT_NE(command.flags.Parse({"--config", command.dir.path() + "/none"}).message().find("cannot read"),
            std::string::npos);
  EXPECT_NE(command.flags.Usage().find("--config VALUE"), std::string::npos);
}

}  // namespace
}  // namespace kiln
