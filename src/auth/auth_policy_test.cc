#include "auth/auth_policy.h"

#include <gtest/gtest.h>

#include "auth/base64.h"
#include "common/file_util.h"
#include "testing/jwt_signer.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

using testing::HeaderFor;
using testing::SignJwt;
using testing::TestSigningKey;

const TestSigningKey& IdpKey() {
  static const auto* key = new TestSigningKey(TestSigningKey::Rsa("idp-1"));
  return *key;
}

class AuthPolicyTest : public ::testing::Test {
 protected:
  AuthPolicyTest() {
    EXPECT_TRUE(WriteFileAtomically(dir_.path() + "/jwks.json", testing::JwksOf({&IdpKey()}), false).ok());
    std::string json = R"({
      "principals": [
        {"name": "ci", "token_sha256": [")" + TokenDigestHex(Sha256Token("ci-secret")) + R"("],
         "grants": [{"permissions": ["cas-read", "cas-write", "ac-read", "execute"], "instances": ["", "team/a"]}]},
        {"name": "builder-7", "certificate_names": ["builder-7.farm.example"],
         "grants": [{"permissions": ["worker"]}]},
        {"name": "alice", "jwt_subjects": ["alice"], "grants": [{"permissions": ["admin"]}]}],
      "jwt_issuers": [{"issuer": "https://idp.example", "audiences": ["kiln"], "jwks_file": "jwks.json",
                       "grants": [{"permissions": ["cas-read"]}]}],
      "anonymous": {"grants": [{"permissions": ["ac-read"], "instances": ["public"]}]}})";
    AuthPolicy::Options options;
    options.clock = &clock_;
    auto policy = AuthPolicy::Parse(json, dir_.path(), options);
    EXPECT_TRUE(policy.ok()) << policy.status().ToString();
    if (policy.ok()) policy_ = *policy;
  }

  StatusOr<std::shared_ptr<const Principal>> WithHeader(const std::string& header) {
    return policy_->Authenticate(Credentials{{}, header});
  }
  std::string NameOf(const StatusOr<std::shared_ptr<const Principal>>& principal) {
    EXPECT_TRUE(principal.ok()) << principal.status().ToString();
    return principal.ok() ? (*principal)->name : "";
  }
  std::string Refusal(const StatusOr<std::shared_ptr<const Principal>>& principal) {
    EXPECT_EQ(principal.status().code(), StatusCode::kUnauthenticated) << principal.status().ToString();
    return principal.status().message();
  }
  std::string Jwt(const std::string& subject, int64_t lifetime_s) {
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch()).count();
    return SignJwt(IdpKey(), HeaderFor(IdpKey()),
                   R"({"iss": "https://idp.example", "aud": "kiln", "sub": ")" + subject +
                       R"(", "exp": )" + std::to_string(now + lifetime_s) + "}");
  }

  TempDir dir_;
  FakeClock clock_;
  std::shared_ptr<const AuthPolicy> policy_;
};

TEST_F(AuthPolicyTest, NoCredentialsIsAnonymous) {
  auto principal = policy_->Authenticate(Credentials{});
  EXPECT_EQ(NameOf(principal), "anonymous");
  EXPECT_TRUE(Authorize(**principal, Permission::kAcRead, "public").ok());
  EXPECT_EQ(Authorize(**principal, Permission::kAcRead, "").code(), StatusCode::kPermissionDenied);
}

TEST_F(AuthPolicyTest, AnonymousHasNothingWhenTheFileSaysNothing) {
  auto policy = AuthPolicy::Parse("{}", "", AuthPolicy::Options{});
  ASSERT_TRUE(policy.ok());
  auto principal = (*policy)->Authenticate(Credentials{});
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(AuthorizeAnyGrant(**principal, "").code(), StatusCode::kPermissionDenied);
}

TEST_F(AuthPolicyTest, CertificateNames) {
  EXPECT_EQ(NameOf(policy_->Authenticate(Credentials{{"someone-else", "builder-7.farm.example"}, std::nullopt})),
            "builder-7");
  // A certificate comes first, whatever the header says.
  EXPECT_EQ(NameOf(policy_->Authenticate(Credentials{{"builder-7.farm.example"}, "Bearer wrong"})), "builder-7");
  // An unlisted certificate with a good token: the token.
  EXPECT_EQ(NameOf(policy_->Authenticate(Credentials{{"laptop.example"}, "Bearer ci-secret"})), "ci");
  // An unlisted certificate alone is refused, not taken for anonymous.
  EXPECT_EQ(Refusal(policy_->Authenticate(Credentials{{"laptop.example"}, std::nullopt})),
            "client certificate (\"laptop.example\") matches no principal");
}

TEST_F(AuthPolicyTest, BearerToken) {
  auto ci = WithHeader("Bearer ci-secret");
  EXPECT_EQ(NameOf(ci), "ci");
  EXPECT_TRUE(Authorize(**ci, Permission::kExecute, "team/a/x").ok());
  EXPECT_EQ(NameOf(WithHeader("bearer   ci-secret ")), "ci");  // Scheme case, spacing.
  std::string refusal = Refusal(WithHeader("Bearer ci-secreT"));
  EXPECT_EQ(refusal, "bearer token not recognised");
  EXPECT_EQ(Refusal(WithHeader("Bearer")), "bearer token is empty");
  EXPECT_EQ(Refusal(WithHeader("Bearer ")), "bearer token is empty");
}

TEST_F(AuthPolicyTest, BasicCredentials) {
  EXPECT_EQ(NameOf(WithHeader("Basic " + EncodeBase64("ci:ci-secret"))), "ci");
  std::string wrong_password = Refusal(WithHeader("Basic " + EncodeBase64("ci:guess")));
  EXPECT_EQ(wrong_password, "basic credentials for user \"ci\" rejected");
  // Another principal's token under this user name is refused, the same way.
  EXPECT_EQ(Refusal(WithHeader("Basic " + EncodeBase64("builder-7:ci-secret"))),
            "basic credentials for user \"builder-7\" rejected");
  EXPECT_EQ(Refusal(WithHeader("Basic " + EncodeBase64("nobody:ci-secret"))),
            "basic credentials for user \"nobody\" rejected");
  EXPECT_EQ(Refusal(WithHeader("Basic " + EncodeBase64("ci:"))), "basic credentials for user \"ci\" rejected");
  EXPECT_EQ(Refusal(WithHeader("Basic " + EncodeBase64("ci-secret"))),
            "basic credentials have no ':' between user and password");
  EXPECT_EQ(Refusal(WithHeader("Basic not*base64")), "basic credentials are not base64");
}

TEST_F(AuthPolicyTest, OtherSchemesAreRefusedWithoutQuotingTheHeader) {
  std::string message = Refusal(WithHeader("ci-secret"));
  EXPECT_EQ(message.find("ci-secret"), std::string::npos);
  EXPECT_EQ(Refusal(WithHeader("Digest username=\"ci\"")),
            "authorization header is neither \"Bearer\" nor \"Basic\" credentials");
}

TEST_F(AuthPolicyTest, NoRefusalQuotesTheSecret) {
  const std::string secret = "hunter2-very-secret";
  for (const std::string& header :
       {"Bearer " + secret, "Basic " + EncodeBase64("ci:" + secret), secret, "Bearer a." + secret + ".b"}) {
    auto result = WithHeader(header);
    ASSERT_FALSE(result.ok()) << header;
    EXPECT_EQ(result.status().message().find(secret), std::string::npos) << result.status().message();
    EXPECT_EQ(result.status().message().find(EncodeBase64("ci:" + secret)), std::string::npos);
  }
}

TEST_F(AuthPolicyTest, JwtOfAListedSubjectIsThatPrincipal) {
  auto alice = WithHeader("Bearer " + Jwt("alice", 600));
  EXPECT_EQ(NameOf(alice), "alice");
  EXPECT_TRUE(Authorize(**alice, Permission::kAdmin, "anything").ok());
  EXPECT_EQ(Authorize(**alice, Permission::kCasRead, "").code(), StatusCode::kPermissionDenied);
}

TEST_F(AuthPolicyTest, JwtOfAnUnlistedSubjectGetsTheIssuersGrants) {
  auto bob = WithHeader("Bearer " + Jwt("bob", 600));
  EXPECT_EQ(NameOf(bob), "https://idp.example#bob");
  EXPECT_TRUE(Authorize(**bob, Permission::kCasRead, "x").ok());
  EXPECT_EQ(Authorize(**bob, Permission::kCasWrite, "x").message(),
            "principal \"https://idp.example#bob\" lacks permission cas-write on instance \"x\"");
}

TEST_F(AuthPolicyTest, VerifiedJwtIsCachedUntilItExpires) {
  std::string header = "Bearer " + Jwt("bob", 600);
  auto first = WithHeader(header);
  auto second = WithHeader(header);
  ASSERT_TRUE(first.ok() && second.ok());
  // Each verification makes a new principal for an unlisted subject: the same one is the cache's.
  EXPECT_EQ(first->get(), second->get());
  clock_.Advance(std::chrono::seconds(600 + 60));
  EXPECT_EQ(WithHeader(header).value().get(), first->get());  // Still within the leeway.
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_EQ(Refusal(WithHeader(header)), "JWT for subject \"bob\" expired 62 s ago");
}

TEST_F(AuthPolicyTest, JwtFailuresSayWhy) {
  std::string token = Jwt("bob", 600);
  std::string tampered = token.substr(0, token.size() - 2) + (token[token.size() - 2] == 'A' ? "B" : "A") + token.back();
  EXPECT_NE(Refusal(WithHeader("Bearer " + tampered)).find("JWT signature does not verify"), std::string::npos);
  EXPECT_EQ(Refusal(WithHeader("Bearer " + Jwt("bob", -120))), "JWT for subject \"bob\" expired 120 s ago");
  // A token in JWT shape without issuers configured is just an unknown bearer token.
  auto no_issuers = AuthPolicy::Parse("{}", "", AuthPolicy::Options{});
  ASSERT_TRUE(no_issuers.ok());
  EXPECT_EQ(Refusal((*no_issuers)->Authenticate(Credentials{{}, "Bearer " + token})), "bearer token not recognised");
}

TEST(AuthPolicyLoadTest, LoadFileSaysWhichFile) {
  TempDir dir;
  std::string path = dir.path() + "/auth.json";
  auto missing = AuthPolicy::LoadFile(path, AuthPolicy::Options{});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(path), std::string::npos);
  ASSERT_TRUE(WriteFileAtomically(path, R"({"principals": [{"name": "x", "grants": [{"permissions": ["nope"]}]}]})", false).ok());
  auto bad = AuthPolicy::LoadFile(path, AuthPolicy::Options{});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "auth file " + path + ": principal \"x\": grants[0].permissions[0]: unknown permission \"nope\"");
}

}  // namespace
}  // namespace kiln
