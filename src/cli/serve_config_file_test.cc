// `kiln serve --config FILE`: the file's values reach the command, a flag on the command
// line overrides the file's value (scalars and repeatable flags alike), and a bad file stops
// the command with exit code 2 and its line, column and key. The values are observed through
// the checks `kiln serve` makes after parsing, which run in a known order: the Remote Asset
// flags are checked before --listen's network exposure.
#include <gtest/gtest.h>

#include "cli/serve_command.h"
#include "common/file_util.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

class ServeConfigFileTest : public ::testing::Test {
 protected:
  // Runs `kiln serve --config FILE extra...` with `config` in FILE; returns its stderr.
  std::string Run(const std::string& config, const std::vector<std::string>& extra, int expected_exit = 2) {
    EXPECT_TRUE(WriteFileAtomically(path_, config, false).ok());
    std::vector<std::string> args = {"--data-dir", dir_.path() + "/data", "--config", path_};
    args.insert(args.end(), extra.begin(), extra.end());
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(RunServeCommand(args), expected_exit);
    return ::testing::internal::GetCapturedStderr();
  }

  TempDir dir_;
  const std::string path_ = dir_.path() + "/kiln.yaml";
};

// Either the exposure error, which kiln serve only reaches once every earlier check passed.
constexpr char kExposureError[] = "kiln serve: --listen 0.0.0.0:0 reaches beyond this machine";

TEST_F(ServeConfigFileTest, TheFileSetsFlags) {
  std::string error = Run("listen: 0.0.0.0:0\n", {});
  EXPECT_TRUE(error.starts_with(kExposureError)) << error;
  error = Run("listen: 127.0.0.1:0\nasset:\n  fetch-timeout: 2h\n", {});
  EXPECT_EQ(error, "kiln serve: --asset-fetch-timeout must be more than 0 and at most 1h\n");
}

TEST_F(ServeConfigFileTest, AFlagOverridesTheFile) {
  // The file's bad timeout is replaced by the flag's: kiln serve gets as far as --listen.
  std::string error = Run("listen: 0.0.0.0:0\nasset-fetch-timeout: 2h\n", {"--asset-fetch-timeout", "10s"});
  EXPECT_TRUE(error.starts_with(kExposureError)) << error;
  // And the other way round.
  error = Run("listen: 0.0.0.0:0\nasset-fetch-timeout: 10s\n", {"--asset-fetch-timeout=2h"});
  EXPECT_EQ(error, "kiln serve: --asset-fetch-timeout must be more than 0 and at most 1h\n");
  // A repeatable flag: the command line's values replace the file's (whose one is malformed).
  error = Run("listen: 0.0.0.0:0\nplatform: [pool=big, novalue]\n", {"--platform", "pool=small"});
  EXPECT_TRUE(error.starts_with(kExposureError)) << error;
  error = Run("listen: 0.0.0.0:0\nplatform: [pool=big, novalue]\n", {});
  EXPECT_NE(error.find("--platform"), std::string::npos) << error;
}

TEST_F(ServeConfigFileTest, ABadFileStopsServeWithItsLineColumnAndKey) {
  EXPECT_EQ(Run("listen: 127.0.0.1:0\nmax-cas-bytes: lots\n", {}),
            "kiln serve: " + path_ + ":2:16: key \"max-cas-bytes\": \"lots\" is not a size (examples: 4096, 512M, 10G)\n");
  EXPECT_EQ(Run("max-cas-byte: 1G\n", {}),
            "kiln serve: " + path_ + ":1:1: key \"max-cas-byte\": unknown key: kiln has no flag --max-cas-byte\n");
  EXPECT_EQ(Run("workers: [1, 2]\n", {}),
            "kiln serve: " + path_ + ":1:1: key \"workers\": takes a single value, not a list\n");
  EXPECT_EQ(Run("config: other.yaml\n", {}),
            "kiln serve: " + path_ + ":1:9: key \"config\": a config file cannot name another one\n");
  EXPECT_EQ(Run("workers: 1\nworkers: 2\n", {}),
            "kiln serve: " + path_ + ":2:1: key \"workers\": --workers is already set at 1:1\n");
  EXPECT_NE(Run("listen: [\n", {}).find(path_ + ":2:1: not valid YAML or JSON"), std::string::npos);
  // Even where the command line gives the flag too.
  EXPECT_EQ(Run("workers: -1\n", {"--workers", "1"}),
            "kiln serve: " + path_ + ":1:10: key \"workers\": must be 0 or more (got -1)\n");
}

TEST_F(ServeConfigFileTest, HelpShowsConfig) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunServeCommand({"--help"}), 0);
  const std::string help = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(help.find("--config VALUE"), std::string::npos) << help;
  EXPECT_NE(help.find("docs/config-file.md"), std::string::npos) << help;
}

}  // namespace
}  // namespace kiln
