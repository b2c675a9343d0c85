#include "common/pem_files.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/temp_dir.h"
#include "testing/test_certificates.h"

namespace kiln {
namespace {

class PemFilesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(certs_.ok()) << "openssl failed"; }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  TempDir dir_;
  TestCertificates certs_{dir_.path()};
};

TEST_F(PemFilesTest, AcceptsAMatchingPairAndABundle) {
  TestCertificates::Leaf server = certs_.IssueServer();
  EXPECT_TRUE(CheckKeyPairFiles(server.cert, server.key).ok()) << CheckKeyPairFiles(server.cert, server.key).ToString();
  EXPECT_TRUE(CheckCertificateBundleFile(certs_.ca()).ok());
  const std::string bundle =
      Write("bundle.pem", TestCertificates::Read(certs_.ca()) + TestCertificates::Read(certs_.untrusted_ca()));
  EXPECT_TRUE(CheckCertificateBundleFile(bundle).ok());
  // Key and chain in one file, given as both (rotation with a single rename).
  const std::string pair = Write("pair.pem", TestCertificates::Read(server.key) + TestCertificates::Read(server.cert));
  EXPECT_TRUE(CheckKeyPairFiles(pair, pair).ok()) << CheckKeyPairFiles(pair, pair).ToString();
}

TEST_F(PemFilesTest, NamesAMissingFile) {
  Status status = CheckCertificateBundleFile(dir_.path() + "/nope.pem");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("nope.pem: cannot open: No such file"), std::string::npos) << status.message();
}

TEST_F(PemFilesTest, RefusesAKeyOfAnotherCertificate) {
  TestCertificates::Leaf a = certs_.IssueServer("a");
  TestCertificates::Leaf b = certs_.IssueServer("b");
  Status status = CheckKeyPairFiles(a.cert, b.key);
  EXPECT_NE(status.message().find("b.key: the private key does not belong to the certificate in"), std::string::npos)
      << status.message();
}

TEST_F(PemFilesTest, RefusesFilesThatAreNotPem) {
  TestCertificates::Leaf server = certs_.IssueServer();
  const std::string junk = Write("junk.pem", "hello\n");
  EXPECT_NE(CheckCertificateBundleFile(junk).message().find("no PEM certificate"), std::string::npos);
  EXPECT_NE(CheckKeyPairFiles(junk, server.key).message().find("junk.pem: no PEM certificate"), std::string::npos);
  EXPECT_NE(CheckKeyPairFiles(server.cert, junk).message().find("junk.pem: no private key"), std::string::npos);
  EXPECT_NE(CheckKeyPairFiles(server.cert, Write("empty.pem", "")).message().find("empty"), std::string::npos);
  // A key given where the certificate belongs, and a certificate whose base64 is damaged.
  EXPECT_NE(CheckKeyPairFiles(server.key, server.key).message().find("no PEM certificate"), std::string::npos);
  std::string damaged = TestCertificates::Read(server.cert);
  damaged[damaged.size() / 2] = '!';
  Status status = CheckCertificateBundleFile(Write("damaged.pem", damaged));
  EXPECT_NE(status.message().find("does not parse"), std::string::npos) << status.message();
}

TEST_F(PemFilesTest, RefusesAnEncryptedKeyWithoutPrompting) {
  TestCertificates::Leaf server = certs_.IssueServer();
  const std::string encrypted = dir_.path() + "/encrypted.key";
  ASSERT_EQ(std::system(("openssl pkey -in " + server.key + " -aes256 -passout pass:secret -out " + encrypted).c_str()), 0);
  Status status = CheckKeyPairFiles(server.cert, encrypted);
  EXPECT_NE(status.message().find("encrypted"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace kiln
