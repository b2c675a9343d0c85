#include "auth/auth_file.h"

#include <gtest/gtest.h>

#include "common/file_util.h"
#include "testing/jwt_signer.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

const std::string kCiHash = TokenDigestHex(Sha256Token("ci-token"));
const std::string kOtherHash = TokenDigestHex(Sha256Token("other-token"));

const std::string kGoodFile = R"({"principals": [
   {"name": "ci", "token_sha256": [")" + kCiHash + R"("],
    "grants": [{"permissions": ["cas-read", "cas-write", "ac-read", "execute"], "instances": [""]}]},
   {"name": "builder-7", "certificate_names": ["builder-7.farm.example"],
    "grants": [{"permissions": ["worker"]}]}],
 "anonymous": {"grants": []}})";

// The error of parsing `json`, checked to be INVALID_ARGUMENT.
std::string ErrorOf(const std::string& json, const std::string& base_dir = "") {
  StatusOr<AuthConfig> config = ParseAuthConfig(json, base_dir);
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument) << json;
  return config.status().message();
}

std::string OnePrincipal(const std::string& body) { return R"({"principals": [{"name": "ci", )" + body + "}]}"; }

TEST(AuthFileTest, ReadsTheDocumentedShape) {
  StatusOr<AuthConfig> config = ParseAuthConfig(kGoodFile, "");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->principals.size(), 2u);
  const Principal& ci = *config->principals[0];
  EXPECT_EQ(ci.name, "ci");
  ASSERT_EQ(ci.grants.size(), 1u);
  EXPECT_EQ(ci.grants[0].permissions.ToString(), "cas-read, cas-write, ac-read, execute");
  EXPECT_TRUE(ci.grants[0].restricted_to_instances);
  EXPECT_EQ(ci.grants[0].instances, std::vector<std::string>{""});
  EXPECT_EQ(config->by_token.at(Sha256Token("ci-token")).get(), &ci);
  const Principal& builder = *config->by_certificate_name.at("builder-7.farm.example");
  EXPECT_EQ(builder.name, "builder-7");
  EXPECT_FALSE(builder.grants[0].restricted_to_instances);  // No "instances": every instance.
  EXPECT_EQ(config->anonymous->name, "anonymous");
  EXPECT_TRUE(config->anonymous->grants.empty());
}

TEST(AuthFileTest, EmptyObjectGrantsNothing) {
  StatusOr<AuthConfig> config = ParseAuthConfig("{}", "");
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->principals.empty());
  EXPECT_TRUE(config->anonymous->grants.empty());
}

TEST(AuthFileTest, UnknownFieldsAreErrorsNamingTheField) {
  std::string message = ErrorOf(R"({"principals": [{"name": "ci", "grants": [{"permissions": ["cas-read"], "instance": ["x"]}]}]})");
  EXPECT_NE(message.find("instance"), std::string::npos) << message;
  EXPECT_NE(message.find("Cannot find field"), std::string::npos) << message;
  EXPECT_NE(ErrorOf(R"({"anonymus": {}})").find("anonymus"), std::string::npos);
  EXPECT_NE(ErrorOf("{").find("auth file is not valid"), std::string::npos);
}

TEST(AuthFileTest, BadTokenHashNamesThePlaceButNotTheValue) {
  std::string pasted_token = "my-secret-token-pasted-by-mistake";
  std::string message = ErrorOf(OnePrincipal(R"("token_sha256": [")" + kCiHash + R"(", ")" + pasted_token + R"("])"));
  EXPECT_EQ(message.find(pasted_token), std::string::npos) << message;
  EXPECT_NE(message.find("principal \"ci\": token_sha256[1]: not 64 hex characters"), std::string::npos) << message;
}

TEST(AuthFileTest, UnknownPermissionIsNamed) {
  std::string message = ErrorOf(OnePrincipal(R"("grants": [{"permissions": ["cas-read", "cas-reed"]}])"));
  EXPECT_EQ(message, "principal \"ci\": grants[0].permissions[1]: unknown permission \"cas-reed\"");
}

TEST(AuthFileTest, GrantsNeedPermissionsAndNonEmptyInstanceLists) {
  EXPECT_EQ(ErrorOf(OnePrincipal(R"("grants": [{"instances": ["a"]}])")), "principal \"ci\": grants[0]: no permissions");
  EXPECT_NE(ErrorOf(OnePrincipal(R"("grants": [{"permissions": ["execute"], "instances": []}])")).find("\"instances\" is empty"),
            std::string::npos);
  EXPECT_EQ(ErrorOf(OnePrincipal(R"("grants": [{"permissions": ["execute"], "instances": [3]}])")),
            "principal \"ci\": grants[0].instances[0]: not a string");
  EXPECT_NE(ErrorOf(OnePrincipal(R"("grants": [{"permissions": ["execute"], "instances": ["team/a/"]}])"))
                .find("grants[0].instances[0]: instance pattern \"team/a/\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"anonymous": {"grants": [{"permissions": ["root"]}]}})").find("anonymous: grants[0]"),
            std::string::npos);
}

TEST(AuthFileTest, PrincipalNamesMustBeUniqueAndUnreserved) {
  EXPECT_EQ(ErrorOf(R"({"principals": [{"name": "ci"}, {"name": "ci"}]})"),
            "principal \"ci\": a principal of that name is already defined");
  EXPECT_EQ(ErrorOf(R"({"principals": [{"name": "ci"}, {"token_sha256": []}]})"), "principals[1]: \"name\" is missing");
  EXPECT_NE(ErrorOf(R"({"principals": [{"name": "anonymous"}]})").find("reserved"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"principals": [{"name": "a#b"}]})").find("contains '#'"), std::string::npos);
}

TEST(AuthFileTest, CredentialsMayNotBeSharedBetweenPrincipals) {
  std::string message = ErrorOf(R"({"principals": [{"name": "a", "token_sha256": [")" + kCiHash +
                                R"("]}, {"name": "b", "token_sha256": [")" + kOtherHash + R"(", ")" + kCiHash + R"("]}]})");
  EXPECT_EQ(message, "principal \"b\": token_sha256[1]: already listed under principal \"a\"");
  EXPECT_EQ(message.find(kCiHash), std::string::npos);
  // The same token in upper case is the same token.
  std::string upper = kCiHash;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_NE(ErrorOf(R"({"principals": [{"name": "a", "token_sha256": [")" + kCiHash + R"(", ")" + upper + R"("]}]})")
                .find("already listed under principal \"a\""),
            std::string::npos);
  EXPECT_EQ(ErrorOf(R"({"principals": [{"name": "a", "certificate_names": ["x.example"]},
                                       {"name": "b", "certificate_names": ["x.example"]}]})"),
            "principal \"b\": certificate_names[0]: already listed under principal \"a\"");
}

class AuthFileJwtTest : public ::testing::Test {
 protected:
  AuthFileJwtTest() : key_(testing::TestSigningKey::Ec("k1")) {
    EXPECT_TRUE(WriteFileAtomically(dir_.path() + "/jwks.json", testing::JwksOf({&key_}), false).ok());
  }
  std::string Issuer(const std::string& body) const {
    return R"({"jwt_issuers": [{"issuer": "https://idp.example", )" + body + "}]}";
  }

  TempDir dir_;
  testing::TestSigningKey key_;
};

TEST_F(AuthFileJwtTest, ReadsIssuersWithRelativeJwksFiles) {
  StatusOr<AuthConfig> config = ParseAuthConfig(
      R"({"jwt_issuers": [{"issuer": "https://idp.example", "audiences": ["kiln"], "jwks_file": "jwks.json",
                           "grants": [{"permissions": ["cas-read"]}]}],
          "principals": [{"name": "alice", "jwt_subjects": ["alice@example.com"], "grants": []}]})",
      dir_.path());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->jwt_issuers.size(), 1u);
  EXPECT_EQ(config->jwt_issuers[0].keys.size(), 1u);
  EXPECT_EQ(config->jwt_issuer_grants[0].size(), 1u);
  EXPECT_EQ(config->jwks_files, std::vector<std::string>{dir_.path() + "/jwks.json"});
  EXPECT_EQ(config->by_jwt_subject.at("alice@example.com")->name, "alice");
}

TEST_F(AuthFileJwtTest, UnreadableOrBadJwksIsAnErrorSayingWhere) {
  std::string missing = ErrorOf(Issuer(R"("audiences": ["kiln"], "jwks_file": "nope.json")"), dir_.path());
  EXPECT_NE(missing.find("jwt_issuers[0] (\"https://idp.example\"): jwks_file: open " + dir_.path() + "/nope.json"),
            std::string::npos)
      << missing;
  ASSERT_TRUE(WriteFileAtomically(dir_.path() + "/bad.json", "{\"keys\": 5}", false).ok());
  std::string bad = ErrorOf(Issuer(R"("audiences": ["kiln"], "jwks_file": "bad.json")"), dir_.path());
  EXPECT_NE(bad.find("not a JSON Web Key Set"), std::string::npos) << bad;
}

TEST_F(AuthFileJwtTest, IssuersNeedAudiencesAKeyFileAndNoTwin) {
  EXPECT_NE(ErrorOf(Issuer(R"("jwks_file": "jwks.json")"), dir_.path()).find("\"audiences\" is empty"), std::string::npos);
  EXPECT_NE(ErrorOf(Issuer(R"("audiences": ["kiln"])"), dir_.path()).find("\"jwks_file\" is missing"), std::string::npos);
  std::string issuer = R"({"issuer": "https://idp.example", "audiences": ["kiln"], "jwks_file": "jwks.json"})";
  EXPECT_NE(ErrorOf(R"({"jwt_issuers": [)" + issuer + ", " + issuer + "]}", dir_.path()).find("issuer listed twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"principals": [{"name": "a", "jwt_subjects": ["a"]}]})").find("no jwt_issuers"),
            std::string::npos);
}

}  // namespace
}  // namespace kiln
