#include "auth/jwks.h"

#include <gtest/gtest.h>

#include "testing/jwt_signer.h"

namespace kiln {
namespace {

using testing::JwksOf;
using testing::TestSigningKey;

const TestSigningKey& RsaKey() {
  static const auto* key = new TestSigningKey(TestSigningKey::Rsa("rsa-1"));
  return *key;
}
const TestSigningKey& EcKey() {
  static const auto* key = new TestSigningKey(TestSigningKey::Ec("ec-1"));
  return *key;
}

TEST(JwksTest, ReadsRsaAndEcKeys) {
  auto keys = ParseJwks(JwksOf({&RsaKey(), &EcKey()}));
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "rsa-1");
  EXPECT_EQ((*keys)[0].algorithm, JwtAlgorithm::kRs256);
  EXPECT_EQ((*keys)[1].kid, "ec-1");
  EXPECT_EQ((*keys)[1].algorithm, JwtAlgorithm::kEs256);
}

TEST(JwksTest, SkipsOtherKeyTypesUsesAndAlgorithmsAndUnknownMembers) {
  std::string encryption_key = RsaKey().Jwk();
  encryption_key.replace(encryption_key.find("\"sig\""), 5, "\"enc\"");
  std::string json = "{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}, "
                     "{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"x\": \"AA\"}, " +
                     encryption_key.insert(1, "\"x5c\": [\"MIIB\"], ") + ", " +
                     EcKey().Jwk().insert(1, "\"alg\": \"ES384\", ") + ", " + EcKey().Jwk() + "]}";
  auto keys = ParseJwks(json);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].algorithm, JwtAlgorithm::kEs256);
}

TEST(JwksTest, RefusesASetWithoutUsableKeys) {
  auto keys = ParseJwks("{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}");
  EXPECT_EQ(keys.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseJwks("{\"keys\": []}").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseJwks("not json").status().code(), StatusCode::kInvalidArgument);
}

TEST(JwksTest, RefusesMalformedKeyMaterialNamingTheKey) {
  auto bad_n = ParseJwks("{\"keys\": [{\"kty\": \"RSA\", \"kid\": \"k7\", \"n\": \"!!\", \"e\": \"AQAB\"}]}");
  EXPECT_EQ(bad_n.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_n.status().message().find("keys[0] (kid \"k7\")"), std::string::npos) << bad_n.status().message();

  TestSigningKey small = TestSigningKey::Rsa("small", 1024);
  auto weak = ParseJwks(JwksOf({&small}));
  EXPECT_EQ(weak.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(weak.status().message().find("at least 2048"), std::string::npos) << weak.status().message();

  std::string off_curve = EcKey().Jwk();
  size_t y = off_curve.find("\"y\": \"") + 6;
  off_curve[y] = off_curve[y] == 'A' ? 'B' : 'A';
  auto not_on_curve = ParseJwks("{\"keys\": [" + off_curve + "]}");
  EXPECT_EQ(not_on_curve.status().code(), StatusCode::kInvalidArgument) << not_on_curve.status().ToString();

  auto wrong_curve = ParseJwks("{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-384\", \"x\": \"AA\", \"y\": \"AA\"}]}");
  EXPECT_NE(wrong_curve.status().message().find("not P-256"), std::string::npos);
}

}  // namespace
}  // namespace kiln
