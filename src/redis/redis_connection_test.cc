#include "redis/redis_connection.h"

#include <gtest/gtest.h>

#include <thread>

#include "testing/redis_server_process.h"
#include "testing/temp_dir.h"
#include "testing/test_certificates.h"

namespace kiln::redis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::RedisServerOptions;
using testing::RedisServerProcess;

constexpr Duration kTimeout = seconds(5);

std::unique_ptr<RedisServerProcess> StartServer(RedisServerOptions options = {}) {
  StatusOr<std::unique_ptr<RedisServerProcess>> server = RedisServerProcess::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

std::unique_ptr<RedisConnection> ConnectTo(const RedisServerProcess& server, RedisConnectionOptions options = {}) {
  StatusOr<std::unique_ptr<RedisConnection>> connection = RedisConnection::Connect(server.endpoint(), options);
  EXPECT_TRUE(connection.ok()) << connection.status().ToString();
  return connection.ok() ? std::move(*connection) : nullptr;
}

TEST(RedisConnectionTest, RoundTripsEveryReplyType) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  auto connection = ConnectTo(*server);
  ASSERT_NE(connection, nullptr);

  const std::string binary("k\0ey\r\n\xff", 7), value("v\r\n\0\r\n$3\r\n", 11);
  EXPECT_EQ(*connection->Run({"SET", binary, value}, kTimeout), Reply::SimpleStatus("OK"));
  EXPECT_EQ(*connection->Run({"GET", binary}, kTimeout), Reply::String(value));
  EXPECT_EQ(*connection->Run({"GET", "missing"}, kTimeout), Reply::Nil());
  EXPECT_EQ(*connection->Run({"INCRBY", "n", "-7"}, kTimeout), Reply::Integer(-7));
  StatusOr<Reply> wrong = connection->Run({"LPUSH", "n", "x"}, kTimeout);
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->error_code(), "WRONGTYPE") << wrong->DebugString();
  StatusOr<Reply> nested = connection->Run(
      {"EVAL", "return {1, {2, {'deep', ''}}, redis.status_reply('FINE'), 'x'}", "0"}, kTimeout);
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(*nested, Reply::Array({Reply::Integer(1),
                                   Reply::Array({Reply::Integer(2), Reply::Array({Reply::String("deep"),
                                                                                  Reply::String("")})}),
                                   Reply::SimpleStatus("FINE"), Reply::String("x")}))
      << nested->DebugString();
  EXPECT_FALSE(connection->is_broken());
}

TEST(RedisConnectionTest, CarriesLargeValuesAndPipelines) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  auto connection = ConnectTo(*server);
  ASSERT_NE(connection, nullptr);
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 251);
  std::vector<std::vector<std::string>> pipeline = {{"SET", "big", big}, {"GET", "big"}, {"STRLEN", "big"}};
  for (int i = 0; i < 200; ++i) pipeline.push_back({"RPUSH", "list", std::to_string(i)});
  pipeline.push_back({"LRANGE", "list", "198", "-1"});
  StatusOr<std::vector<Reply>> replies = connection->RunPipeline(pipeline, kTimeout);
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  ASSERT_EQ(replies->size(), pipeline.size());
  EXPECT_TRUE((*replies)[0].is_status("OK"));
  EXPECT_TRUE((*replies)[1].text == big);
  EXPECT_EQ((*replies)[2], Reply::Integer(1 << 20));
  EXPECT_EQ((*replies)[202], Reply::Integer(200));
  EXPECT_EQ(replies->back(), Reply::Array({Reply::String("198"), Reply::String("199")}));
}

TEST(RedisConnectionTest, AuthenticatesAnAclUserAndRefusesWrongPasswords) {
  RedisServerOptions options;
  options.password = "default-secret";
  options.acl_user = "kiln";
  options.acl_password = "acl-secret";
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);

  RedisConnectionOptions good;
  good.user = "kiln";
  good.password = "acl-secret";
  auto connection = ConnectTo(*server, good);
  ASSERT_NE(connection, nullptr);
  EXPECT_EQ(*connection->Run({"ACL", "WHOAMI"}, kTimeout), Reply::String("kiln"));
  RedisConnectionOptions default_user;
  default_user.password = "default-secret";
  EXPECT_NE(ConnectTo(*server, default_user), nullptr);

  RedisConnectionOptions wrong = good;
  wrong.password = "not-the-secret";
  StatusOr<std::unique_ptr<RedisConnection>> refused = RedisConnection::Connect(server->endpoint(), wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("user 'kiln'"), std::string::npos) << refused.status().message();
  EXPECT_NE(refused.status().message().find("WRONGPASS"), std::string::npos) << refused.status().message();
  EXPECT_EQ(refused.status().message().find("not-the-secret"), std::string::npos) << refused.status().message();

  StatusOr<std::unique_ptr<RedisConnection>> anonymous = RedisConnection::Connect(server->endpoint(), {});
  ASSERT_FALSE(anonymous.ok());
  EXPECT_EQ(anonymous.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(anonymous.status().message().find("NOAUTH"), std::string::npos) << anonymous.status().message();
}

TEST(RedisConnectionTest, SpeaksTlsWithTheRightCaOnly) {
  TempDir dir;
  TestCertificates certs(dir.path());
  ASSERT_TRUE(certs.ok()) << "openssl failed";
  TestCertificates::Leaf server_pair = certs.IssueServer();
  TestCertificates::Leaf client_pair = certs.Issue("client", "kiln frontend", "DNS:kiln-frontend");
  RedisServerOptions options;
  options.tls_cert_file = server_pair.cert;
  options.tls_key_file = server_pair.key;
  options.tls_ca_file = certs.ca();
  options.tls_auth_clients = true;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);

  StatusOr<std::shared_ptr<RedisTlsContext>> tls = RedisTlsContext::Create(certs.ca(), client_pair.cert, client_pair.key);
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  RedisConnectionOptions trusted;
  trusted.tls = *tls;
  auto connection = ConnectTo(*server, trusted);
  ASSERT_NE(connection, nullptr);
  const std::string big(300'000, 'x');
  EXPECT_TRUE(connection->Run({"SET", "k", big}, kTimeout)->is_status("OK"));
  EXPECT_EQ(connection->Run({"GET", "k"}, kTimeout)->text, big);

  StatusOr<std::shared_ptr<RedisTlsContext>> other =
      RedisTlsContext::Create(certs.untrusted_ca(), client_pair.cert, client_pair.key);
  ASSERT_TRUE(other.ok());
  RedisConnectionOptions untrusted;
  untrusted.tls = *other;
  StatusOr<std::unique_ptr<RedisConnection>> refused = RedisConnection::Connect(server->endpoint(), untrusted);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("certificate"), std::string::npos) << refused.status().message();

  // No client certificate where the server requires one; plaintext to a TLS port.
  StatusOr<std::shared_ptr<RedisTlsContext>> anonymous = RedisTlsContext::Create(certs.ca(), "", "");
  ASSERT_TRUE(anonymous.ok());
  RedisConnectionOptions no_certificate;
  no_certificate.tls = *anonymous;
  EXPECT_FALSE(RedisConnection::Connect(server->endpoint(), no_certificate).ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(RedisConnection::Connect(server->endpoint(), {}).status().code(), StatusCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(3));

  EXPECT_EQ(RedisTlsContext::Create(dir.path() + "/nope.crt", "", "").status().code(), StatusCode::kInvalidArgument);
}

TEST(RedisConnectionTest, TimesOutInsteadOfHanging) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  auto connection = ConnectTo(*server);
  ASSERT_NE(connection, nullptr);
  auto start = std::chrono::steady_clock::now();
  StatusOr<Reply> blocked = connection->Run({"BLPOP", "nothing", "10"}, milliseconds(200));
  EXPECT_EQ(blocked.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(blocked.status().message().find("timed out"), std::string::npos) << blocked.status().message();
  EXPECT_NE(blocked.status().message().find(server->endpoint().ToString()), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
  // A late reply must never be taken for the next command's.
  EXPECT_TRUE(connection->is_broken());
  EXPECT_EQ(connection->Run({"PING"}, kTimeout).status().code(), StatusCode::kUnavailable);

  auto other = ConnectTo(*server);
  ASSERT_NE(other, nullptr);
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(other->Run({"DEBUG", "SLEEP", "1"}, milliseconds(200)).status().code(), StatusCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(900));

  // Nothing listens there: refused at once.
  const Endpoint closed{"127.0.0.1", testing::FreeLoopbackPort()};
  StatusOr<std::unique_ptr<RedisConnection>> refused = RedisConnection::Connect(closed, {});
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("redis " + closed.ToString() + ": connect: Connection refused"),
            std::string::npos)
      << refused.status().message();
}

TEST(RedisConnectionTest, BreaksWhenTheServerDiesAndAnotherConnectsAfterRestart) {
  RedisServerOptions options;
  options.append_only = true;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto connection = ConnectTo(*server);
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Run({"SET", "survives", "yes"}, kTimeout)->is_status("OK"));
  // Killed while a command is under way.
  StatusOr<Reply> lost = Reply();
  std::thread caller([&] { lost = connection->Run({"DEBUG", "SLEEP", "5"}, seconds(10)); });
  std::this_thread::sleep_for(milliseconds(200));
  const auto killed_at = std::chrono::steady_clock::now();
  server->Kill();
  caller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - killed_at, seconds(1));
  EXPECT_EQ(lost.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(lost.status().message().find("connection closed by the server"), std::string::npos)
      << lost.status().message();
  EXPECT_TRUE(connection->is_broken());
  ASSERT_TRUE(server->Restart().ok()) << server->LogTail();
  auto again = ConnectTo(*server);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(*again->Run({"GET", "survives"}, kTimeout), Reply::String("yes"));
}

TEST(RedisConnectionTest, ShutdownWakesAWaitingReader) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  auto connection = ConnectTo(*server);
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Send({{"SUBSCRIBE", "c"}}, kTimeout).ok());
  ASSERT_TRUE(connection->Receive(kTimeout).ok());
  std::thread shutter([&] {
    std::this_thread::sleep_for(milliseconds(100));
    connection->Shutdown();
  });
  const auto start = std::chrono::steady_clock::now();
  StatusOr<std::optional<Reply>> reply = connection->Poll(seconds(30));
  shutter.join();
  EXPECT_FALSE(reply.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
}

}  // namespace
}  // namespace kiln::redis
