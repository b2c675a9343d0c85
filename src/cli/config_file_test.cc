// The config file's schema: keys are flag names (in sections too), values what follows
// "--NAME=", lists for repeatable flags; and every kind of bad file refused with its
// line, column and key.
#include "cli/config_file.h"

#include <gtest/gtest.h>

#include "common/file_util.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

const std::vector<ConfigFlag> kFlags = {
    {"listen"},  {"workers"},    {"fsync"},         {"max-cas-bytes"}, {"platform", true},
    {"cas"},     {"cas-tls-ca"}, {"cas-tls-cert"},  {"tls-cert"},      {"tls-key"},
    {"config"},  {"asset-file-roots", true},
};

std::vector<ConfigAssignment> Parse(std::string_view text) {
  auto parsed = ParseConfigText(text, "kiln.yaml", kFlags);
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? *parsed : std::vector<ConfigAssignment>();
}

// "flag=value" for each assignment, in order.
std::vector<std::string> Flat(const std::vector<ConfigAssignment>& assignments) {
  std::vector<std::string> flat;
  for (const auto& assignment : assignments) flat.push_back(assignment.flag + "=" + assignment.value);
  return flat;
}

std::string ErrorOf(std::string_view text) {
  auto parsed = ParseConfigText(text, "kiln.yaml", kFlags);
  EXPECT_FALSE(parsed.ok()) << text;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

TEST(ConfigFileTest, KeysAreFlagNamesAndValuesTheirText) {
  auto assignments = Parse(
      "# a frontend\n"
      "listen: 127.0.0.1:8980\n"
      "workers: 4\n"
      "max-cas-bytes: 10G\n"
      "fsync: true\n"
      "platform: [OSFamily=linux, pool=big]\n"
      "asset-file-roots: /srv/a,/srv/b\n");
  EXPECT_EQ(Flat(assignments), (std::vector<std::string>{"listen=127.0.0.1:8980", "workers=4", "max-cas-bytes=10G",
                                                         "fsync=true", "platform=OSFamily=linux", "platform=pool=big",
                                                         "asset-file-roots=/srv/a,/srv/b"}));
  EXPECT_EQ(assignments[1].location, "kiln.yaml:3:10: key \"workers\"");
  EXPECT_EQ(assignments[5].location, "kiln.yaml:6:28: key \"platform\"");
}

TEST(ConfigFileTest, ReadsJson) {
  EXPECT_EQ(Flat(Parse("{\n  \"listen\": \"127.0.0.1:0\",\n\t\"workers\": 0,\n  \"fsync\": false,\n"
                       "  \"platform\": [\"a=b\"], \"cas\": {\"target\": \"grpc://h:1\"}\n}\n")),
            (std::vector<std::string>{"listen=127.0.0.1:0", "workers=0", "fsync=false", "platform=a=b",
                                      "cas=grpc://h:1"}));
}

TEST(ConfigFileTest, SectionsJoinTheirKeysWithDashesAndTargetIsTheSectionsOwnFlag) {
  EXPECT_EQ(Flat(Parse("cas:\n"
                       "  target: grpcs://storage:8980\n"
                       "  tls:\n"
                       "    ca: /etc/kiln/ca.pem\n"
                       "    cert: /etc/kiln/client.pem\n"
                       "tls: {cert: s.pem, key: s.key}\n")),
            (std::vector<std::string>{"cas=grpcs://storage:8980", "cas-tls-ca=/etc/kiln/ca.pem",
                                      "cas-tls-cert=/etc/kiln/client.pem", "tls-cert=s.pem", "tls-key=s.key"}));
}

TEST(ConfigFileTest, QuotedValuesAreKeptAsWrittenAndEmptyFilesSetNothing) {
  EXPECT_EQ(Flat(Parse("listen: \"\"\nworkers: '08'\n")), (std::vector<std::string>{"listen=", "workers=08"}));
  EXPECT_TRUE(Parse("").empty());
  EXPECT_TRUE(Parse("# nothing yet\n").empty());
  EXPECT_TRUE(Parse("platform: []\n").empty());
}

TEST(ConfigFileTest, RefusesKeysThatNameNoFlag) {
  EXPECT_EQ(ErrorOf("listen: x\nworker: 4\n"), "kiln.yaml:2:1: key \"worker\": unknown key: kiln has no flag --worker");
  EXPECT_EQ(ErrorOf("cas:\n  tls-key: k\n"),
            "kiln.yaml:2:3: key \"cas.tls-key\": unknown key: kiln has no flag --cas-tls-key");
  EXPECT_EQ(ErrorOf("tls: {target: x}\n"), "kiln.yaml:1:7: key \"tls.target\": unknown key: kiln has no flag --tls");
  EXPECT_EQ(ErrorOf("--listen: x\n"), "kiln.yaml:1:1: key \"--listen\": unknown key: kiln has no flag ----listen");
}

TEST(ConfigFileTest, RefusesValuesOfTheWrongShape) {
  EXPECT_EQ(ErrorOf("workers: {a: 1}\n"), "kiln.yaml:1:1: key \"workers\": takes a single value, not a map");
  EXPECT_EQ(ErrorOf("\nlisten: [a, b]\n"), "kiln.yaml:2:1: key \"listen\": takes a single value, not a list");
  EXPECT_EQ(ErrorOf("listen:\nworkers: 1\n"),
            "kiln.yaml:1:1: key \"listen\": has no value (write \"\" for an empty one)");
  EXPECT_EQ(ErrorOf("fsync: ~\n"), "kiln.yaml:1:1: key \"fsync\": has no value (write \"\" for an empty one)");
  EXPECT_EQ(ErrorOf("platform:\n  - a=b\n  - [c=d]\n"),
            "kiln.yaml:3:5: key \"platform\": list items must be single values, not lists, maps or nothing");
  EXPECT_EQ(ErrorOf("[listen, x]: 1\n"), "kiln.yaml:1:1: a key must be a flag name, not a list or a map");
}

TEST(ConfigFileTest, RefusesAFlagGivenTwice) {
  EXPECT_EQ(ErrorOf("workers: 1\nlisten: x\nworkers: 2\n"),
            "kiln.yaml:3:1: key \"workers\": --workers is already set at 1:1");
  EXPECT_EQ(ErrorOf("cas-tls-ca: a\ncas:\n  tls-ca: b\n"),
            "kiln.yaml:3:3: key \"cas.tls-ca\": --cas-tls-ca is already set at 1:1");
  EXPECT_EQ(ErrorOf("{\"workers\": 1, \"workers\": 2}"),
            "kiln.yaml:1:16: key \"workers\": --workers is already set at 1:2");
  EXPECT_EQ(ErrorOf("platform: [a=b]\nplatform: [c=d]\n"),
            "kiln.yaml:2:1: key \"platform\": --platform is already set at 1:1");
}

TEST(ConfigFileTest, RefusesWhatIsNotOneYamlMap) {
  EXPECT_EQ(ErrorOf("listen: [a\nworkers: 2\n"), "kiln.yaml:2:8: not valid YAML or JSON: end of sequence flow not found");
  EXPECT_NE(ErrorOf("workers: 1\n  listen: 2\n").find("kiln.yaml:2:"), std::string::npos);
  EXPECT_EQ(ErrorOf("- listen\n- workers\n"), "kiln.yaml:1:1: the file must be a map of flag names to values");
  EXPECT_EQ(ErrorOf("just text\n"), "kiln.yaml:1:1: the file must be a map of flag names to values");
  EXPECT_EQ(ErrorOf("workers: 1\n---\nworkers: 2\n"), "kiln.yaml: holds 2 YAML documents; a config file is one");
}

TEST(ConfigFileTest, ReadsFilesAndNamesOnesItCannotRead) {
  TempDir dir;
  const std::string path = dir.path() + "/kiln.json";
  ASSERT_TRUE(WriteFileAtomically(path, "{\"workers\": 3}", false).ok());
  auto read = ReadConfigFile(path, kFlags);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(Flat(*read), std::vector<std::string>{"workers=3"});
  EXPECT_EQ(read->front().location, path + ":1:13: key \"workers\"");

  auto missing = ReadConfigFile(dir.path() + "/none.yaml", kFlags);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("cannot read the config file"), std::string::npos);
  EXPECT_NE(missing.status().message().find(dir.path() + "/none.yaml"), std::string::npos);
  EXPECT_FALSE(ReadConfigFile(dir.path(), kFlags).ok());  // A directory.
}

}  // namespace
}  // namespace kiln
