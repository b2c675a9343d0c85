#include "common/logger.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

const WallTimePoint kTime = WallTimePoint(std::chrono::milliseconds(1'700'000'000'123));

TEST(LoggerTest, TextLinesQuoteOnlyValuesThatNeedIt) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kInfo, "serving", {{"address", "127.0.0.1:8980"}}),
            "kiln: serving address=127.0.0.1:8980\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kError, "call failed",
                          {{"message", "no such blob"}, NumberField("code", int64_t{5})}),
            "kiln: error: call failed message=\"no such blob\" code=5\n");
}

TEST(LoggerTest, JsonLinesAreOneObjectWithEscapedStrings) {
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, kTime, LogLevel::kWarning, "a \"quoted\"\nline",
                          {{"peer", "ipv4:127.0.0.1:1"}, NumberField("duration_ms", 1.5), NumberField("bytes", int64_t{7})}),
            "{\"time\":\"2023-11-14T22:13:20.123Z\",\"level\":\"warning\",\"msg\":\"a \\\"quoted\\\"\\nline\","
            "\"peer\":\"ipv4:127.0.0.1:1\",\"duration_ms\":1.500,\"bytes\":7}\n");
}

TEST(LoggerTest, ParsesItsFormats) {
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("xml").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
