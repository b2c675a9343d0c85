#include "webui/json_writer.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(JsonWriterTest, NestsObjectsAndArraysWithCommasBetweenValues) {
  JsonWriter json;
  json.BeginObject().Key("a").Int(1).Key("b").BeginArray().Int(2).String("x").Null().EndArray();
  json.Key("c").BeginObject().EndObject().Key("d").Bool(false).Key("e").OptionalInt(std::nullopt);
  json.Key("f").Raw(R"({"k":[1]})").Key("g").Double(0.5).EndObject();
  EXPECT_EQ(json.str(), R"({"a":1,"b":[2,"x",null],"c":{},"d":false,"e":null,"f":{"k":[1]},"g":0.5})");
}

TEST(JsonWriterTest, EscapesControlCharactersAndQuotes) {
  EXPECT_EQ(JsonQuote("a\"b\\c\n\t\x01"), R"("a\"b\\c\n\t\u0001")");
}

TEST(JsonWriterTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(JsonQuote("h\xc3\xa9llo \xe2\x82\xac"), "\"h\xc3\xa9llo \xe2\x82\xac\"");
  // A lone continuation byte, a truncated sequence, an overlong form, a surrogate.
  EXPECT_EQ(JsonQuote("a\x80" "b"), R"("a\ufffdb")");
  EXPECT_EQ(JsonQuote("\xe2\x82"), R"("\ufffd\ufffd")");
  EXPECT_EQ(JsonQuote("\xc0\xaf"), R"("\ufffd\ufffd")");
  EXPECT_EQ(JsonQuote("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");
}

TEST(JsonWriterTest, NonFiniteNumbersAreNull) {
  JsonWriter json;
  json.BeginArray().Double(1.0 / 0.0).Double(3).EndArray();
  EXPECT_EQ(json.str(), "[null,3]");
}

}  // namespace
}  // namespace kiln
