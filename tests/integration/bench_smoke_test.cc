// CI smoke test of `kiln bench`: every scenario runs briefly against a real kiln serve and
// must complete operations without errors. Speed is not asserted here (the machine running
// CI is shared and noisy); the README's Performance section has measured figures.
#include <gtest/gtest.h>


#include "bench/scenario_catalog.h"
#include "client_command.h"
#include "test_util.h"

namespace kiln_test {
namespace {

class BenchSmokeTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "2"}; }

  int RunBench(const std::vector<std::string>& flags, std::string* stdout_text) {
    return RunClientCommand("bench", server().address(), flags, 120'000, stdout_text);
  }
};

TEST_F(BenchSmokeTest, EveryScenarioCompletesOperationsWithoutErrors) {
  const std::string json_path = data_dir_.path() + "/bench.json";
  std::string table;
  const int code = RunBench({"--duration", "1", "--json", json_path}, &table);
  EXPECT_EQ(code, 0) << table;

  const google::protobuf::Struct json = ReadJsonFile(json_path);
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
  const auto scenarios = ReadJsonFile(json_path).fields().at("scenarios").list_value().values();
  ASSERT_EQ(scenarios.size(), 1);
  const auto& fields = scenarios[0].struct_value().fields();
  EXPECT_EQ(fields.at("ops").number_value(), 0);
  EXPECT_GT(fields.at("errors").number_value(), 0);
  EXPECT_NE(fields.at("first_error").string_value().find("INVALID_ARGUMENT"), std::string::npos)
      << fields.at("first_error").string_value();
}

}  // namespace
}  // namespace kiln_test
