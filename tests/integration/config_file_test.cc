// The real `kiln serve --config FILE`: the file's values are in force (the advertised batch
// limit), flags on the command line override the file's (KilnProcess gives --listen and
// --data-dir, which the file also sets), and a bad file stops kiln at start with exit code
// 2 and the file's line, column and key.
#include <fstream>

#include "test_util.h"

namespace kiln_test {
namespace {

std::string WriteConfig(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigFileTest, ServeTakesItsFlagsFromTheFileAndTheCommandLineOverridesIt) {
  TempDir config_dir;
  TempDir data_dir;
  const std::string config = WriteConfig(config_dir, "frontend.yaml",
                                         "listen: 127.0.0.1:1           # overridden: KilnProcess picks a free port\n"
                                         "data-dir: /nonexistent/kiln   # overridden too\n"
                                         "max-batch-bytes: 1M\n"
                                         "workers: 0\n"
                                         "asset:\n"
                                         "  fetch-threads: 2\n");
  std::string error;
  auto server = KilnProcess::Start(data_dir.path(), {"--config", config}, &error);
  ASSERT_TRUE(server) << error;
  reapi::ServerCapabilities capabilities;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ASSERT_TRUE(server->capabilities().GetCapabilities(&context, reapi::GetCapabilitiesRequest(), &capabilities).ok());
  EXPECT_EQ(capabilities.cache_capabilities().max_batch_total_size_bytes(), 1 << 20);
  EXPECT_NE(server->port(), 1);
  EXPECT_EQ(server->Stop(), 0);
  EXPECT_NE(server->stdout_text().find("data in " + data_dir.path() + ")"), std::string::npos)
      << server->stdout_text();
}

TEST(ConfigFileTest, ABadFileStopsServeAtStartWithItsLineAndKey) {
  TempDir dir;
  const std::string config = WriteConfig(dir, "frontend.json", "{\n  \"listen\": \"127.0.0.1:0\",\n  \"workers\": [4]\n}\n");
  std::string error;
  // Through a shell, to see kiln's stderr on the pipe ChildProcess reads.
  auto child = ChildProcess::Spawn(
      {"/bin/sh", "-c", "exec \"$0\" serve --data-dir \"$1\" --config \"$2\" 2>&1", KILN_BINARY, dir.path(), config},
      &error);
  ASSERT_TRUE(child) << error;
  EXPECT_FALSE(child->ReadStdoutUntil("\x01never\x01", 20'000));  // Until it exits (EOF).
  EXPECT_EQ(child->Stop(SIGTERM, 20'000), 2);
  EXPECT_EQ(child->stdout_text(),
            "kiln serve: " + config + ":3:3: key \"workers\": takes a single value, not a list\n");
}

}  // namespace
}  // namespace kiln_test
