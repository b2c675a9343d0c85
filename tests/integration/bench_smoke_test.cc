// CI smoke test of `kiln bench`: every scenario runs briefly against a real kiln serve and
// must complete operations without errors. Speed is not asserted here (the machine running
// CI is shared and noisy); the README's Performance section has measured figures.
#include <gtest/gtest.h>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "bench/scenario_catalog.h"
#include "child_process.h"
#include "test_util.h"

namespace kiln_test {
namespace {

class BenchSmokeTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "2"}; }

  // Runs `kiln bench` with `flags` to completion (at most 120 s); returns its exit code.
  int RunBench(const std::vector<std::string>& flags, std::string* stdout_text) {
    std::vector<std::string> args = {KILN_BINARY, "bench", "--target", server().address()};
    args.insert(args.end(), flags.begin(), flags.end());
    std::string error;
    auto bench = ChildProcess::Spawn(args, &error);
    if (!bench) {
      ADD_FAILURE() << "cannot start kiln bench: " << error;
      return -1;
    }
    bench->ReadStdoutUntil("\x01never\x01", 120'000);  // Until it closes stdout by exiting.
    for (int i = 0; i < 200 && bench->running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const int code = bench->Stop(SIGKILL, 5'000);
    *stdout_text = bench->stdout_text();
    return code;
  }
};

google::protobuf::Struct ReadJson(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  google::protobuf::Struct json;
  const auto parsed = google::protobuf::util::JsonStringToMessage(text.str(), &json);
  EXPECT_TRUE(parsed.ok()) << parsed.ToString() << "\n" << text.str();
  return json;
}

TEST_F(BenchSmokeTest, EveryScenarioCompletesOperationsWithoutErrors) {
  const std::string json_path = data_dir_.path() + "/bench.json";
  std::string table;
  const int code = RunBench({"--duration", "1", "--json", json_path}, &table);
  EXPECT_EQ(code, 0) << table;

  const google::protobuf::Struct json = ReadJson(json_path);
  const auto& limits = json.fields().at("limits").struct_value().fields();
  EXPECT_GT(limits.at("sha256_mb_per_s").number_value(), 0);
  EXPECT_GT(limits.at("loopback_tcp_mb_per_s").number_value(), 0);
  EXPECT_GT(limits.at("fork_exec_p50_ms").number_value(), 0);

  std::map<std::string, google::protobuf::Struct> by_name;
  for (const auto& scenario : json.fields().at("scenarios").list_value().values()) {
    by_name[scenario.struct_value().fields().at("name").string_value()] = scenario.struct_value();
  }
  for (const std::string& name : kiln::AllScenarioNames()) {
    ASSERT_TRUE(by_name.count(name)) << name << " missing from the JSON\n" << table;
    const auto& fields = by_name[name].fields();
    EXPECT_GT(fields.at("ops").number_value(), 0) << name << "\n" << table;
    EXPECT_EQ(fields.at("errors").number_value(), 0) << name << ": " << fields.at("first_error").string_value();
    EXPECT_EQ(fields.at("setup_error").string_value(), "") << name;
    EXPECT_NE(table.find(name), std::string::npos) << table;
  }
  ExpectStillServing();
}

TEST_F(BenchSmokeTest, UnknownScenarioIsRefusedWithExitCode2) {
  std::string output;
  EXPECT_EQ(RunBench({"--scenario", "find_missing_present,no_such_scenario"}, &output), 2);
}

TEST_F(BenchSmokeTest, AScenarioWithOnlyErrorsFailsTheRun) {
  // An instance name with a reserved segment is refused by kiln, so every call fails.
  const std::string json_path = data_dir_.path() + "/bench.json";
  std::string table;
  EXPECT_EQ(RunBench({"--duration", "200ms", "--instance", "x/blobs", "--scenario", "find_missing_missing", "--json",
                      json_path},
                     &table),
            1)
      << table;
  const auto scenarios = ReadJson(json_path).fields().at("scenarios").list_value().values();
  ASSERT_EQ(scenarios.size(), 1);
  const auto& fields = scenarios[0].struct_value().fields();
  EXPECT_EQ(fields.at("ops").number_value(), 0);
  EXPECT_GT(fields.at("errors").number_value(), 0);
  EXPECT_NE(fields.at("first_error").string_value().find("INVALID_ARGUMENT"), std::string::npos)
      << fields.at("first_error").string_value();
}

}  // namespace
}  // namespace kiln_test
