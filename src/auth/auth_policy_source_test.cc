#include "auth/auth_policy_source.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/file_util.h"
#include "testing/jwt_signer.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

using std::chrono::milliseconds;

std::string FileGranting(const std::string& token, const std::string& permission) {
  return R"({"principals": [{"name": "p", "token_sha256": [")" + TokenDigestHex(Sha256Token(token)) +
         R"("], "grants": [{"permissions": [")" + permission + R"("]}]}]})";
}

class AuthPolicySourceTest : public ::testing::Test {
 protected:
  AuthPolicySourceTest() : path_(dir_.path() + "/auth.json") {}

  // Written whole and renamed into place, as editors and config management do.
  void Write(const std::string& path, const std::string& text) {
    ASSERT_TRUE(WriteFileAtomically(path, text, false).ok());
  }
  AuthPolicySource::Options Options() {
    AuthPolicySource::Options options;
    options.path = path_;
    options.policy.clock = &clock_;
    options.log = [this](const std::string& line) { log_.push_back(line); };
    return options;
  }
  bool Allows(const std::shared_ptr<const AuthPolicy>& policy, const std::string& token, Permission permission) {
    auto principal = policy->Authenticate(Credentials{{}, "Bearer " + token});
    return principal.ok() && Authorize(**principal, permission, "").ok();
  }

  TempDir dir_;
  std::string path_;
  FakeClock clock_;
  std::vector<std::string> log_;
};

TEST_F(AuthPolicySourceTest, StartingWithABadFileIsAnError) {
  auto missing = AuthPolicySource::Open(Options());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  Write(path_, "{\"principals\": 3}");
  auto bad = AuthPolicySource::Open(Options());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find(path_), std::string::npos);
}

TEST_F(AuthPolicySourceTest, PicksUpAChangeAtTheNextCheck) {
  Write(path_, FileGranting("t1", "cas-read"));
  auto source = AuthPolicySource::Open(Options());
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto first = (*source)->Current();
  EXPECT_TRUE(Allows(first, "t1", Permission::kCasRead));

  Write(path_, FileGranting("t2", "execute"));
  // Within the interval the file is not even looked at.
  clock_.Advance(milliseconds(100));
  EXPECT_EQ((*source)->Current(), first);
  clock_.Advance(milliseconds(1000));
  auto second = (*source)->Current();
  ASSERT_NE(second, first);
  EXPECT_FALSE(Allows(second, "t1", Permission::kCasRead));
  EXPECT_TRUE(Allows(second, "t2", Permission::kExecute));
  // The old policy still works for whoever holds it.
  EXPECT_TRUE(Allows(first, "t1", Permission::kCasRead));
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_NE(log_[0].find("reloaded: 1 principals"), std::string::npos) << log_[0];
  // Nothing changed: the same policy, no log.
  clock_.Advance(milliseconds(1100));
  EXPECT_EQ((*source)->Current(), second);
  EXPECT_TRUE((*source)->Poll().ok());
  EXPECT_EQ(log_.size(), 1u);
}

TEST_F(AuthPolicySourceTest, PollChecksAtOnce) {
  Write(path_, FileGranting("t1", "cas-read"));
  auto source = AuthPolicySource::Open(Options());
  ASSERT_TRUE(source.ok());
  auto first = (*source)->Current();
  Write(path_, FileGranting("t1", "cas-write"));
  EXPECT_TRUE((*source)->Poll().ok());
  EXPECT_TRUE(Allows((*source)->Current(), "t1", Permission::kCasWrite));
}

TEST_F(AuthPolicySourceTest, ABadChangeKeepsTheOldPolicyAndIsReportedOnce) {
  Write(path_, FileGranting("t1", "cas-read"));
  auto source = AuthPolicySource::Open(Options());
  ASSERT_TRUE(source.ok());
  auto good = (*source)->Current();

  Write(path_, FileGranting("t1", "cas-reed"));
  Status failed = (*source)->Poll();
  EXPECT_EQ(failed.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*source)->Current(), good);
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(milliseconds(1100));
    EXPECT_EQ((*source)->Current(), good);
  }
  EXPECT_EQ((*source)->Poll().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_NE(log_[0].find("does not load; the previous policy stays in force"), std::string::npos) << log_[0];
  EXPECT_NE(log_[0].find("unknown permission \"cas-reed\""), std::string::npos) << log_[0];

  // A second bad change is reported again; a removed file too.
  Write(path_, "{");
  EXPECT_FALSE((*source)->Poll().ok());
  ASSERT_EQ(::unlink(path_.c_str()), 0);
  EXPECT_EQ((*source)->Poll().code(), StatusCode::kNotFound);
  EXPECT_EQ(log_.size(), 3u);
  EXPECT_EQ((*source)->Current(), good);

  // Fixed: loads.
  Write(path_, FileGranting("t3", "ac-write"));
  EXPECT_TRUE((*source)->Poll().ok());
  EXPECT_TRUE(Allows((*source)->Current(), "t3", Permission::kAcWrite));
}

TEST_F(AuthPolicySourceTest, AJwksChangeReloadsToo) {
  testing::TestSigningKey first_key = testing::TestSigningKey::Ec("k1");
  testing::TestSigningKey second_key = testing::TestSigningKey::Ec("k2");
  Write(dir_.path() + "/jwks.json", testing::JwksOf({&first_key}));
  Write(path_, R"({"jwt_issuers": [{"issuer": "https://idp", "audiences": ["kiln"], "jwks_file": "jwks.json",
                                    "grants": [{"permissions": ["cas-read"]}]}]})");
  auto source = AuthPolicySource::Open(Options());
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto first = (*source)->Current();
  EXPECT_EQ(first->jwks_files(), std::vector<std::string>{dir_.path() + "/jwks.json"});
  EXPECT_TRUE((*source)->Poll().ok());
  EXPECT_EQ((*source)->Current(), first);

  Write(dir_.path() + "/jwks.json", testing::JwksOf({&second_key}));
  EXPECT_TRUE((*source)->Poll().ok());
  auto second = (*source)->Current();
  ASSERT_NE(second, first);
  EXPECT_EQ(second->config().jwt_issuers[0].keys[0].kid, "k2");

  // A broken key set keeps the policy with the last good keys.
  Write(dir_.path() + "/jwks.json", "{\"keys\": []}");
  EXPECT_EQ((*source)->Poll().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*source)->Current(), second);
}

TEST_F(AuthPolicySourceTest, ConcurrentReadersDuringReloads) {
  Write(path_, FileGranting("t1", "cas-read"));
  auto source = AuthPolicySource::Open(Options());
  ASSERT_TRUE(source.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!stop) {
        clock_.Advance(milliseconds(300));
        auto policy = (*source)->Current();
        if (!Allows(policy, "t1", Permission::kCasRead)) ++failures;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    Write(path_, FileGranting("t1", "cas-read") + std::string(i % 3, ' '));
    (void)(*source)->Poll();
  }
  stop = true;
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace kiln
