// docs/config-file.md against the commands themselves: its complete examples set every flag
// of `kiln serve` and `kiln worker` (so a new flag must be documented there), and each
// command accepts its example. Flag names are taken from --help.
#include <gtest/gtest.h>

#include <set>

#include "cli/config_file.h"
#include "cli/serve_command.h"
#include "cli/worker_command.h"
#include "common/file_util.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

std::string Docs() {
  StatusOr<std::string> docs = ReadSmallFile(std::string(KILN_SOURCE_DIR) + "/docs/config-file.md");
  EXPECT_TRUE(docs.ok()) << docs.status().message();
  return docs.ok() ? *docs : std::string();
}

// The fenced block in `docs` whose first line is `first_line`.
std::string CodeBlock(const std::string& docs, const std::string& first_line) {
  const size_t start = docs.find("```yaml\n" + first_line + "\n");
  if (start == std::string::npos) return "";
  const size_t body = start + 8;
  return docs.substr(body, docs.find("```", body) - body);
}

std::set<std::string> FlagsInHelp(int (*run)(const std::vector<std::string>&)) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run({"--help"}), 0);
  std::istringstream help(::testing::internal::GetCapturedStdout());
  std::set<std::string> names;
  for (std::string line; std::getline(help, line);) {
    if (!line.starts_with("  --")) continue;
    const std::string name = line.substr(4, line.find(' ', 4) - 4);
    if (name != "help" && name != "config") names.insert(name);
  }
  return names;
}

std::set<std::string> FlagsSetBy(const std::string& example, const std::set<std::string>& known) {
  std::vector<ConfigFlag> flags;
  for (const std::string& name : known) flags.push_back({name, true});
  auto parsed = ParseConfigText(example, "example", flags);
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  std::set<std::string> set;
  if (parsed.ok()) {
    for (const ConfigAssignment& assignment : *parsed) set.insert(assignment.flag);
  }
  return set;
}

// Runs the command with the example and a flag it refuses: the flag's error, and no other,
// shows that the whole file was read and every value in it accepted.
void ExpectAccepted(int (*run)(const std::vector<std::string>&), const std::string& example,
                    const std::vector<std::string>& bad_flag, const std::string& expected_error) {
  TempDir dir;
  const std::string path = dir.path() + "/example.yaml";
  ASSERT_TRUE(WriteFileAtomically(path, example, false).ok());
  std::vector<std::string> args = {"--config", path};
  args.insert(args.end(), bad_flag.begin(), bad_flag.end());
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run(args), 2);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), expected_error);
}

TEST(ConfigFileDocsTest, TheFrontendAndStorageExamplesSetEveryServeFlagAndServeAcceptsThem) {
  const std::string frontend = CodeBlock(Docs(), "# kiln serve --config /etc/kiln/frontend.yaml");
  const std::string storage = CodeBlock(Docs(), "# kiln serve --config /etc/kiln/storage.yaml");
  ASSERT_FALSE(frontend.empty());
  ASSERT_FALSE(storage.empty());
  const std::set<std::string> flags = FlagsInHelp(RunServeCommand);
  std::set<std::string> documented = FlagsSetBy(frontend, flags);
  documented.merge(FlagsSetBy(storage, flags));
  EXPECT_EQ(documented, flags) << "docs/config-file.md: the serve examples together must set every flag";
  ExpectAccepted(RunServeCommand, frontend, {"--max-queued-actions", "0"},
                 "kiln serve: --max-queued-actions: must be 1 or more (got 0)\n");
  ExpectAccepted(RunServeCommand, storage, {"--max-cas-bytes", "lots"},
                 "kiln serve: --max-cas-bytes: \"lots\" is not a size (examples: 4096, 512M, 10G)\n");
}

TEST(ConfigFileDocsTest, TheWorkerExampleSetsEveryWorkerFlagAndWorkerAcceptsIt) {
  const std::string example = CodeBlock(Docs(), "# kiln worker --config /etc/kiln/worker.yaml");
  ASSERT_FALSE(example.empty());
  const std::set<std::string> flags = FlagsInHelp(RunWorkerCommand);
  EXPECT_EQ(FlagsSetBy(example, flags), flags) << "docs/config-file.md: the worker example must set every flag";
  ExpectAccepted(RunWorkerCommand, example, {"--slots", "0"}, "kiln worker: --slots: must be 1 or more (got 0)\n");
}

// `target` in a section is the section's own flag: a flag NAME-target beside a flag NAME
// could not be written in a section.
TEST(ConfigFileDocsTest, NoFlagEndsInTargetBesideAFlagOfItsPrefix) {
  for (auto run : {RunServeCommand, RunWorkerCommand}) {
    const std::set<std::string> flags = FlagsInHelp(run);
    for (const std::string& name : flags) {
      if (name.ends_with("-target")) EXPECT_EQ(flags.count(name.substr(0, name.size() - 7)), 0u) << name;
    }
  }
}

}  // namespace
}  // namespace kiln
