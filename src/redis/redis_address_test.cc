#include "redis/redis_address.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace kiln::redis {
namespace {

TEST(ParseRedisUrlTest, AcceptsHostsCredentialsAndTls) {
  StatusOr<RedisAddress> plain = ParseRedisUrl("redis://127.0.0.1:6379");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->seeds, (std::vector<Endpoint>{{"127.0.0.1", 6379}}));
  EXPECT_FALSE(plain->tls);
  EXPECT_TRUE(plain->user.empty());
  EXPECT_TRUE(plain->password.empty());

  StatusOr<RedisAddress> full = ParseRedisUrl("rediss://kiln:p%40ss%3Aw%2Frd@redis-a:7000,[::1]:7001,redis-c/");
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_TRUE(full->tls);
  EXPECT_EQ(full->user, "kiln");
  EXPECT_EQ(full->password, "p@ss:w/rd");
  EXPECT_EQ(full->seeds, (std::vector<Endpoint>{{"redis-a", 7000}, {"::1", 7001}, {"redis-c", 6379}}));
  EXPECT_EQ(full->ToRedactedString(), "rediss://kiln:***@redis-a:7000,[::1]:7001,redis-c:6379");

  StatusOr<RedisAddress> password_only = ParseRedisUrl("redis://:secret@localhost:1/0");
  ASSERT_TRUE(password_only.ok()) << password_only.status().ToString();
  EXPECT_EQ(password_only->user, "");
  EXPECT_EQ(password_only->password, "secret");
  // A raw '@' in the password: hosts never contain one, so the last '@' ends the credentials.
  StatusOr<RedisAddress> raw_at = ParseRedisUrl("redis://u:a@b@h:2");
  ASSERT_TRUE(raw_at.ok());
  EXPECT_EQ(raw_at->password, "a@b");
  // A user alone: the password comes from elsewhere (kiln serve's --backplane-password-file).
  StatusOr<RedisAddress> user_only = ParseRedisUrl("redis://kiln@h:1");
  ASSERT_TRUE(user_only.ok()) << user_only.status().ToString();
  EXPECT_EQ(user_only->user, "kiln");
  EXPECT_TRUE(user_only->password.empty());
}

TEST(ParseRedisUrlTest, SaysWhatIsWrong) {
  struct Case {
    const char* url;
    const char* message;
  };
  const Case cases[] = {
      {"http://h:1", "must start with redis:// or rediss://"},
      {"redis://", "no HOST:PORT"},
      {"redis://h:0", "port must be a number from 1 to 65535"},
      {"redis://h:65536", "port must be a number from 1 to 65535"},
      {"redis://h:12x", "port must be a number"},
      {"redis://h:", "empty port"},
      {"redis://:1", "empty host"},
      {"redis://a:1,,b:2", "empty host"},
      {"redis://::1:6379", "IPv6 address needs brackets"},
      {"redis://[::1:6379", "'[' without ']'"},
      {"redis://[::1]x", "expected ':PORT' after ']'"},
      {"redis://@h:1", "empty user"},
      {"redis://user:@h:1", "empty password"},
      {"redis://u:p%4@h:1", "password has a '%' not followed by two hex digits"},
      {"redis://u%zz:p@h:1", "user has a '%'"},
      {"redis://h:1/3", "database 0 only"},
      {"redis://h:1?timeout=3", "takes no options"},
  };
  for (const Case& c : cases) {
    StatusOr<RedisAddress> parsed = ParseRedisUrl(c.url);
    ASSERT_FALSE(parsed.ok()) << c.url;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << c.url;
    EXPECT_NE(parsed.status().message().find(c.message), std::string::npos)
        << c.url << ": " << parsed.status().message();
  }
  // The password is never repeated in an error.
  StatusOr<RedisAddress> bad = ParseRedisUrl("redis://u:hunter2%@h:1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("hunter2"), std::string::npos) << bad.status().message();
}

TEST(ReadRedisPasswordFileTest, TrimsOneNewlineAndRefusesEmptyOrWorldReadable) {
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& text, mode_t mode) {
    const std::string path = dir.path() + "/" + name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  };
  StatusOr<std::string> password = ReadRedisPasswordFile(write("a", "s3cret\n", 0600));
  ASSERT_TRUE(password.ok()) << password.status().ToString();
  EXPECT_EQ(*password, "s3cret");
  EXPECT_EQ(*ReadRedisPasswordFile(write("b", "two\n\n", 0640)), "two\n");
  EXPECT_EQ(*ReadRedisPasswordFile(write("c", "crlf\r\n", 0600)), "crlf");

  StatusOr<std::string> empty = ReadRedisPasswordFile(write("d", "\n", 0600));
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("is empty"), std::string::npos);
  StatusOr<std::string> open = ReadRedisPasswordFile(write("e", "x\n", 0644));
  EXPECT_EQ(open.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(open.status().message().find("readable by every user"), std::string::npos);
  StatusOr<std::string> missing = ReadRedisPasswordFile(dir.path() + "/nope");
  EXPECT_NE(missing.status().message().find("No such file"), std::string::npos);
}

}  // namespace
}  // namespace kiln::redis
