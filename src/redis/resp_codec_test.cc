#include "redis/resp_codec.h"

#include <gtest/gtest.h>

namespace kiln::redis {
namespace {

// A string literal with its embedded NULs.
template <size_t N>
std::string Bytes(const char (&text)[N]) {
  return std::string(text, N - 1);
}

TEST(RespCodecTest, EncodesBinarySafeArguments) {
  std::string out;
  AppendCommand({"SET", std::string("k\0\r\n", 4), ""}, out);
  EXPECT_EQ(out, Bytes("*3\r\n$3\r\nSET\r\n$4\r\nk\0\r\n\r\n$0\r\n\r\n"));
}

TEST(RespCodecTest, DecodesRepliesSplitAtEveryByte) {
  const std::string wire = Bytes("+OK\r\n-ERR bad\r\n:-42\r\n$-1\r\n$5\r\na\0\r\nb\r\n*2\r\n*1\r\n:1\r\n$0\r\n\r\n");
  RespDecoder decoder;
  std::vector<Reply> replies;
  for (char c : wire) {
    ASSERT_TRUE(decoder.Feed(std::string_view(&c, 1)).ok());
    while (true) {
      StatusOr<std::optional<Reply>> next = decoder.Next();
      ASSERT_TRUE(next.ok());
      if (!next->has_value()) break;
      replies.push_back(std::move(**next));
    }
  }
  const std::vector<Reply> expected = {
      Reply::SimpleStatus("OK"), Reply::Error("ERR bad"), Reply::Integer(-42), Reply::Nil(),
      Reply::String(Bytes("a\0\r\nb")),
      Reply::Array({Reply::Array({Reply::Integer(1)}), Reply::String("")}),
  };
  EXPECT_EQ(replies, expected);
  EXPECT_EQ(replies[1].error_code(), "ERR");
}

TEST(RespCodecTest, RefusesGarbage) {
  RespDecoder decoder;
  ASSERT_TRUE(decoder.Feed("?what\r\n").ok());
  StatusOr<std::optional<Reply>> next = decoder.Next();
  EXPECT_FALSE(next.ok());
  EXPECT_NE(next.status().message().find("protocol error"), std::string::npos) << next.status().message();
}

}  // namespace
}  // namespace kiln::redis
