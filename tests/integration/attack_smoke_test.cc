// CI smoke test of `kiln attack` against a real kiln serve with small per-action limits: every
// attack must run, be turned down where the server has a limit for it, and leave the server
// answering every probe call. The probe's latency is not asserted here (CI machines are shared
// and noisy); the README's Limits section has measured figures.
#include <gtest/gtest.h>

#include <map>

#include "bench/attack_catalog.h"
#include "client_command.h"
#include "test_util.h"

namespace kiln_test {
namespace {

class AttackSmokeTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override {
    return {"--workers",           "2",   "--action-max-processes", "64", "--action-max-memory", "256M",
            "--action-max-log-bytes", "8M"};
  }

  int RunAttack(const std::vector<std::string>& flags, std::string* stdout_text) {
    return RunClientCommand("attack", server().address(), flags, 240'000, stdout_text);
  }
};

// How long each attack runs. An execution attack counts a refusal only once the server has
// answered an action, and a server built with AddressSanitizer (whose sandboxes fork it
// whole, vfork_clone.cc) can take over 2 s to turn one down on a busy machine: there the
// attacks run longer, so that each still gets its answers. What is checked is the same.
#if defined(__SANITIZE_ADDRESS__)
constexpr char kAttackDuration[] = "6s";
#else
constexpr char kAttackDuration[] = "2s";
#endif

TEST_F(AttackSmokeTest, EveryAttackIsRefusedWhileEveryProbeIsAnswered) {
  const std::string json_path = data_dir_.path() + "/attack.json";
  std::string table;
  RunAttack({"--duration", kAttackDuration, "--json", json_path}, &table);  // Exit code: p99 may miss 50 ms on CI.

  const google::protobuf::Struct json = ReadJsonFile(json_path);
  std::map<std::string, google::protobuf::Struct> by_name;
  for (const auto& attack : json.fields().at("attacks").list_value().values()) {
    by_name[attack.struct_value().fields().at("name").string_value()] = attack.struct_value();
  }
  for (const std::string& name : kiln::AllAttackNames()) {
    ASSERT_TRUE(by_name.count(name)) << name << " missing from the JSON\n" << table;
    const auto& fields = by_name[name].fields();
    EXPECT_EQ(fields.at("setup_error").string_value(), "") << name << "\n" << table;
    EXPECT_GT(fields.at("sent").number_value(), 0) << name << "\n" << table;
    // Uploads are refused or reclaimed while the client still holds them open, and a 1 GiB
    // bomb takes longer to refuse than 2 s: upload_limits_test and zstd_bomb_test check
    // those refusals themselves.
    if (name != "abandoned_uploads" && name != "zstd_bomb") {
      EXPECT_GT(fields.at("refused").number_value(), 0) << name << " was not turned down\n" << table;
    }
    EXPECT_GT(fields.at("probe_calls").number_value(), 0) << name << "\n" << table;
    EXPECT_EQ(fields.at("probe_failures").number_value(), 0)
        << name << ": " << fields.at("probe_first_failure").string_value() << "\n" << table;
    EXPECT_TRUE(fields.at("answers_after").bool_value()) << name << "\n" << table;
  }
  ExpectStillServing();
}

TEST_F(AttackSmokeTest, UnknownAttackIsRefusedWithExitCode2) {
  std::string output;
  EXPECT_EQ(RunAttack({"--attack", "no_such_attack"}, &output), 2);
  ExpectStillServing();
}

}  // namespace
}  // namespace kiln_test
