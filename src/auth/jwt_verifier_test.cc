#include "auth/jwt_verifier.h"

#include <gtest/gtest.h>

#include "auth/jwt_token.h"
#include "testing/jwt_signer.h"

namespace kiln {
namespace {

using testing::HeaderFor;
using testing::SignJwt;
using testing::TestSigningKey;

constexpr char kIssuer[] = "https://idp.example";

const TestSigningKey& Rsa() {
  static const auto* key = new TestSigningKey(TestSigningKey::Rsa("rsa-1"));
  return *key;
}
const TestSigningKey& Ec() {
  static const auto* key = new TestSigningKey(TestSigningKey::Ec("ec-1"));
  return *key;
}
// Same kid as Rsa(), different key: what a forger would sign with.
const TestSigningKey& ImpostorRsa() {
  static const auto* key = new TestSigningKey(TestSigningKey::Rsa("rsa-1"));
  return *key;
}

std::vector<JwtKey> KeysOf(const std::vector<const TestSigningKey*>& keys) {
  auto parsed = ParseJwks(testing::JwksOf(keys));
  if (!parsed.ok()) ADD_FAILURE() << parsed.status().ToString();
  return parsed.ok() ? std::move(parsed).value() : std::vector<JwtKey>{};
}

class JwtVerifierTest : public ::testing::Test {
 protected:
  JwtVerifierTest() : verifier_({JwtIssuerKeys{kIssuer, {"kiln", "kiln-ci"}, KeysOf({&Rsa(), &Ec()})}}, &clock_) {}

  int64_t Now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch()).count();
  }
  std::string Claims(const std::string& extra = "", const std::string& aud = "\"kiln\"") const {
    return "{\"iss\": \"" + std::string(kIssuer) + "\", \"sub\": \"alice\", \"aud\": " + aud +
           ", \"exp\": " + std::to_string(Now() + 3600) + extra + "}";
  }
  // Verifies `token` expecting UNAUTHENTICATED; returns the message, checked not to quote
  // any part of the token.
  std::string Refusal(const std::string& token) {
    StatusOr<VerifiedJwt> verified = verifier_.Verify(token);
    EXPECT_EQ(verified.status().code(), StatusCode::kUnauthenticated) << verified.status().ToString();
    const std::string message = verified.status().message();
    for (size_t start = 0; start < token.size();) {
      size_t dot = token.find('.', start);
      std::string part = token.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (part.size() >= 8) EXPECT_EQ(message.find(part), std::string::npos) << message;
      start = dot == std::string::npos ? token.size() : dot + 1;
    }
    return message;
  }

  FakeClock clock_;
  JwtVerifier verifier_;
};

TEST_F(JwtVerifierTest, AcceptsValidRs256) {
  auto verified = verifier_.Verify(SignJwt(Rsa(), HeaderFor(Rsa()), Claims()));
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->issuer_index, 0u);
  EXPECT_EQ(verified->subject, "alice");
  EXPECT_EQ(verified->expires, WallTimePoint(std::chrono::seconds(Now() + 3600 + 60)));
}

TEST_F(JwtVerifierTest, AcceptsValidEs256) {
  auto verified = verifier_.Verify(SignJwt(Ec(), HeaderFor(Ec()), Claims()));
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->subject, "alice");
}

TEST_F(JwtVerifierTest, AcceptsAnAudienceListNamingOneOfOurs) {
  auto verified = verifier_.Verify(SignJwt(Rsa(), HeaderFor(Rsa()), Claims("", "[\"other\", \"kiln-ci\"]")));
  EXPECT_TRUE(verified.ok()) << verified.status().ToString();
}

TEST_F(JwtVerifierTest, WithoutKidUsesTheOnlyKeyOfThatType) {
  auto verified = verifier_.Verify(SignJwt(Rsa(), "{\"alg\": \"RS256\"}", Claims()));
  EXPECT_TRUE(verified.ok()) << verified.status().ToString();
  TestSigningKey second_ec = TestSigningKey::Ec("ec-2");
  JwtVerifier two_ec({JwtIssuerKeys{kIssuer, {"kiln"}, KeysOf({&Ec(), &second_ec})}}, &clock_);
  auto ambiguous = two_ec.Verify(SignJwt(Ec(), "{\"alg\": \"ES256\"}", Claims()));
  EXPECT_EQ(ambiguous.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(ambiguous.status().message().find("has 2 ES256 keys"), std::string::npos);
}

TEST_F(JwtVerifierTest, RefusesExpiredBeyondTheLeeway) {
  auto payload = [&](int64_t exp) {
    return "{\"iss\": \"" + std::string(kIssuer) + "\", \"sub\": \"alice\", \"aud\": \"kiln\", \"exp\": " +
           std::to_string(exp) + "}";
  };
  EXPECT_TRUE(verifier_.Verify(SignJwt(Rsa(), HeaderFor(Rsa()), payload(Now() - 30))).ok());
  std::string message = Refusal(SignJwt(Rsa(), HeaderFor(Rsa()), payload(Now() - 61)));
  EXPECT_EQ(message, "JWT for subject \"alice\" expired 61 s ago");
}

TEST_F(JwtVerifierTest, RefusesNotYetValidBeyondTheLeeway) {
  EXPECT_TRUE(verifier_.Verify(SignJwt(Rsa(), HeaderFor(Rsa()), Claims(", \"nbf\": " + std::to_string(Now() + 30)))).ok());
  std::string message = Refusal(SignJwt(Rsa(), HeaderFor(Rsa()), Claims(", \"nbf\": " + std::to_string(Now() + 120))));
  EXPECT_EQ(message, "JWT for subject \"alice\" is not valid for another 120 s");
}

TEST_F(JwtVerifierTest, RefusesWrongIssuer) {
  std::string payload = "{\"iss\": \"https://evil.example\", \"sub\": \"alice\", \"aud\": \"kiln\", \"exp\": " +
                        std::to_string(Now() + 60) + "}";
  EXPECT_EQ(Refusal(SignJwt(Rsa(), HeaderFor(Rsa()), payload)), "JWT issuer \"https://evil.example\" is not trusted");
}

TEST_F(JwtVerifierTest, RefusesWrongAudience) {
  std::string message = Refusal(SignJwt(Rsa(), HeaderFor(Rsa()), Claims("", "[\"other\", \"another\"]")));
  EXPECT_NE(message.find("audience \"other\" (and others) is not one kiln accepts"), std::string::npos) << message;
  EXPECT_NE(Refusal(SignJwt(Rsa(), HeaderFor(Rsa()), Claims("", "\"kiln2\""))).find("audience"), std::string::npos);
}

TEST_F(JwtVerifierTest, RefusesBadSignatures) {
  std::string token = SignJwt(Rsa(), HeaderFor(Rsa()), Claims());
  // Same header and signature, payload naming someone else.
  size_t first = token.find('.'), second = token.rfind('.');
  std::string forged = token.substr(0, first + 1) +
                       EncodeBase64Url(Claims().replace(Claims().find("alice"), 5, "admin")) + token.substr(second);
  EXPECT_NE(Refusal(forged).find("signature does not verify"), std::string::npos);
  // Signed by another key under the trusted key's kid.
  EXPECT_NE(Refusal(SignJwt(ImpostorRsa(), HeaderFor(Rsa()), Claims())).find("signature does not verify"),
            std::string::npos);
  std::string ec_token = SignJwt(Ec(), HeaderFor(Ec()), Claims());
  ec_token.back() = ec_token.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(verifier_.Verify(ec_token).status().code(), StatusCode::kUnauthenticated);
  // A DER signature where JWS wants r || s.
  std::string der_input = EncodeBase64Url(HeaderFor(Ec())) + "." + EncodeBase64Url(Claims());
  EXPECT_EQ(verifier_.Verify(der_input + "." + EncodeBase64Url(std::string(70, '\x30'))).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(JwtVerifierTest, RefusesAlgNone) {
  std::string token = EncodeBase64Url("{\"alg\": \"none\"}") + "." + EncodeBase64Url(Claims()) + ".";
  EXPECT_EQ(Refusal(token), "JWT algorithm \"none\" is not accepted (only RS256 and ES256 are)");
  // With something in the signature part, too.
  EXPECT_NE(Refusal(token + "c2ln").find("\"none\" is not accepted"), std::string::npos);
}

TEST_F(JwtVerifierTest, RefusesHs256EvenKeyedWithThePublicKey) {
  // The classic confusion: HMAC keyed with the RSA public key's JWK text.
  std::string input = EncodeBase64Url("{\"alg\": \"HS256\", \"kid\": \"rsa-1\"}") + "." + EncodeBase64Url(Claims());
  std::string token = input + "." + EncodeBase64Url(std::string(32, 'x'));
  EXPECT_EQ(Refusal(token), "JWT algorithm \"HS256\" is not accepted (only RS256 and ES256 are)");
}

TEST_F(JwtVerifierTest, RefusesUnknownKidAndKeyOfTheWrongType) {
  TestSigningKey stranger = TestSigningKey::Rsa("nope");
  EXPECT_EQ(Refusal(SignJwt(stranger, HeaderFor(stranger), Claims())),
            "JWT key id \"nope\" names no RS256 key of issuer \"https://idp.example\"");
  // An ES256 header naming the RSA key.
  EXPECT_NE(Refusal(SignJwt(Ec(), "{\"alg\": \"ES256\", \"kid\": \"rsa-1\"}", Claims())).find("names no ES256 key"),
            std::string::npos);
}

TEST_F(JwtVerifierTest, RequiresExpiryAndSubject) {
  std::string no_exp = "{\"iss\": \"" + std::string(kIssuer) + "\", \"sub\": \"alice\", \"aud\": \"kiln\"}";
  EXPECT_EQ(Refusal(SignJwt(Rsa(), HeaderFor(Rsa()), no_exp)), "JWT has no expiry (\"exp\")");
  std::string no_sub = "{\"iss\": \"" + std::string(kIssuer) + "\", \"aud\": \"kiln\", \"exp\": " +
                       std::to_string(Now() + 60) + "}";
  EXPECT_EQ(Refusal(SignJwt(Rsa(), HeaderFor(Rsa()), no_sub)), "JWT has no subject (\"sub\")");
}

TEST_F(JwtVerifierTest, RefusesMalformedTokens) {
  EXPECT_EQ(Refusal("abc.def"), "JWT is not three dot-separated parts");
  EXPECT_EQ(Refusal("a.b.c.d"), "JWT is not three dot-separated parts");
  EXPECT_EQ(Refusal("!!!.e30.c2ln"), "JWT header is not base64url");
  EXPECT_EQ(Refusal(EncodeBase64Url("[1]") + ".e30.c2ln"), "JWT header is not a JSON object");
  std::string header = EncodeBase64Url(HeaderFor(Rsa()));
  EXPECT_EQ(Refusal(header + "." + EncodeBase64Url("{\"sub\": \"a\", \"sub\": \"b\"}") + ".c2ln"),
            "JWT payload is not a JSON object");
  EXPECT_EQ(Refusal(header + "." + EncodeBase64Url("{\"exp\": \"tomorrow\"}") + ".c2ln"),
            "JWT claim \"exp\" is not a time");
  EXPECT_EQ(Refusal(header + "." + EncodeBase64Url("{\"aud\": [\"kiln\", 7]}") + ".c2ln"),
            "JWT claim \"aud\" is neither a string nor a list of strings");
  EXPECT_EQ(Refusal(EncodeBase64Url("{\"alg\": \"RS256\", \"crit\": [\"b64\"]}") + ".e30.c2ln"),
            "JWT header has critical extensions (\"crit\")");
  EXPECT_NE(Refusal(std::string(kMaxJwtBytes + 1, 'a')).find("longer than"), std::string::npos);
}

TEST(JwtTokenTest, LooksLikeJwt) {
  EXPECT_TRUE(LooksLikeJwt("a.b.c"));
  EXPECT_TRUE(LooksLikeJwt("a.b."));
  EXPECT_FALSE(LooksLikeJwt("opaque-token"));
  EXPECT_FALSE(LooksLikeJwt("a.b"));
  EXPECT_FALSE(LooksLikeJwt("a.b.c.d"));
}

}  // namespace
}  // namespace kiln
