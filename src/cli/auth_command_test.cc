#include "cli/auth_command.h"

#include <gtest/gtest.h>

#include <sstream>

namespace kiln {
namespace {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome HashToken(const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out, err;
  int code = HashTokenCommand(in, out, err);
  return {code, out.str(), err.str()};
}

constexpr char kAbcSha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n";

TEST(AuthCommandTest, HashTokenPrintsLowercaseHexSha256) {
  EXPECT_EQ(HashToken("abc").out, kAbcSha256);
  EXPECT_EQ(HashToken("abc").code, 0);
}

TEST(AuthCommandTest, HashTokenStripsOneTrailingNewline) {
  EXPECT_EQ(HashToken("abc\n").out, kAbcSha256);
  EXPECT_EQ(HashToken("abc\r\n").out, kAbcSha256);
  EXPECT_NE(HashToken("abc\n\n").out, kAbcSha256);  // Only one.
  EXPECT_NE(HashToken("abc ").out, kAbcSha256);
}

TEST(AuthCommandTest, HashTokenRefusesAnEmptyToken) {
  for (const char* input : {"", "\n"}) {
    Outcome outcome = HashToken(input);
    EXPECT_EQ(outcome.code, 1);
    EXPECT_EQ(outcome.out, "");
    EXPECT_NE(outcome.err.find("empty"), std::string::npos);
  }
}

TEST(AuthCommandTest, UnknownSubcommandIsAUsageError) {
  EXPECT_EQ(RunAuthCommand({"frobnicate"}), 2);
  EXPECT_EQ(RunAuthCommand({}), 2);
  EXPECT_EQ(RunAuthCommand({"check"}), 2);
}

}  // namespace
}  // namespace kiln
