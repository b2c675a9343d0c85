// Remote Asset cannot be turned against the network kiln runs in: without
// --asset-allow-private-networks, fetches to loopback (like every other private range) are
// refused on the address connected to, after DNS resolution and on every redirect.
//
// The tests only ever reach loopback. To see an allowed and a refused destination side by
// side, kiln is told that 127.0.0.2 is allowed (--asset-allow-networks 127.0.0.2/32) while
// the rest of 127.0.0.0/8 stays refused; one origin listens on each address.
#include <cstdlib>
#include <filesystem>

#include "asset_test_util.h"

namespace kiln_test {
namespace {

// kiln as it starts with no network flags at all.
class DefaultDestinationTest : public AssetServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {}; }
};

TEST_F(DefaultDestinationTest, LoopbackIsRefusedByDefault) {
  http_.Serve("/secret", "kiln's own host");
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({http_.Url("/secret")}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED, "--asset-allow-private-networks"));
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED, "127.0.0.1 (loopback 127.0.0.0/8)"));
  EXPECT_EQ(response.uri(), http_.Url("/secret"));
  EXPECT_EQ(http_.requests("/secret"), 0);  // Refused before connecting.
  EXPECT_TRUE(std::filesystem::is_empty(data_dir_.path() + "/asset-tmp"));
}

class AllowedNetworkTest : public AssetServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--asset-allow-networks", "127.0.0.2/32"}; }

  asset::FetchBlobResponse Fetch(const std::string& uri) {
    asset::FetchBlobResponse response;
    grpc::Status status = FetchBlob(AssetRequest<asset::FetchBlobRequest>({uri}), &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return response;
  }

  TestHttpServer allowed_{"127.0.0.2"};  // http_ is on 127.0.0.1, still refused.
};

TEST_F(AllowedNetworkTest, AnAllowedNetworkIsFetchedFromAndTheRestIsNot) {
  ASSERT_NE(allowed_.port(), 0) << "cannot listen on 127.0.0.2";
  allowed_.Serve("/ok", "from an allowed network");
  asset::FetchBlobResponse fetched = Fetch(allowed_.Url("/ok"));
  ASSERT_TRUE(HasStatus(fetched.status(), grpc::StatusCode::OK));
  EXPECT_EQ(ReadCasBlob(fetched.blob_digest()), "from an allowed network");

  http_.Serve("/secret", "kiln's own host");
  EXPECT_TRUE(HasStatus(Fetch(http_.Url("/secret")).status(), grpc::StatusCode::PERMISSION_DENIED, "127.0.0.1"));
  EXPECT_EQ(http_.requests("/secret"), 0);
}

// Names and spellings that all come to 127.0.0.1: the check is on the resolved address.
TEST_F(AllowedNetworkTest, EverySpellingOfARefusedAddressIsRefused) {
  http_.Serve("/secret", "kiln's own host");
  const std::string port = std::to_string(http_.port());
  for (const std::string host : {"localhost", "2130706433", "0x7f.1", "127.1", "[::ffff:127.0.0.1]", "[::1]"}) {
    const std::string uri = "http://" + host + ":" + port + "/secret";
    asset::FetchBlobResponse response = Fetch(uri);
    EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED, "--asset-allow-private-networks"))
        << uri;
  }
  EXPECT_EQ(http_.requests("/secret"), 0);
}

TEST_F(AllowedNetworkTest, ARedirectToARefusedAddressIsRefused) {
  ASSERT_NE(allowed_.port(), 0) << "cannot listen on 127.0.0.2";
  http_.Serve("/secret", "kiln's own host");
  allowed_.Redirect("/hop", http_.Url("/secret"));
  asset::FetchBlobResponse response = Fetch(allowed_.Url("/hop"));
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED,
                        "following a redirect to " + http_.Url("/secret")));
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED, "--asset-allow-private-networks"));
  EXPECT_EQ(allowed_.requests("/hop"), 1);
  EXPECT_EQ(http_.requests("/secret"), 0);

  // Redirects between allowed destinations are still followed.
  allowed_.Serve("/target", "moved here");
  allowed_.Redirect("/moved", allowed_.Url("/target"));
  asset::FetchBlobResponse moved = Fetch(allowed_.Url("/moved"));
  ASSERT_TRUE(HasStatus(moved.status(), grpc::StatusCode::OK));
  EXPECT_EQ(ReadCasBlob(moved.blob_digest()), "moved here");
}

TEST_F(AllowedNetworkTest, ArchivesAndGitRepositoriesAreRefusedToo) {
  http_.Serve("/a.tar.gz", "not even looked at");
  const std::string repository = http_.Url("/repo.git");
  for (const std::string& uri : {http_.Url("/a.tar.gz"), repository}) {
    asset::FetchDirectoryResponse response;
    ASSERT_TRUE(FetchDirectory(AssetRequest<asset::FetchDirectoryRequest>({uri}), &response).ok());
    EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED, "--asset-allow-private-networks"))
        << uri;
  }
  EXPECT_EQ(http_.requests("/a.tar.gz"), 0);
  EXPECT_EQ(http_.requests("/repo.git/info/refs?service=git-upload-pack"), 0);
}

// Through a proxy kiln could not check where a fetch finally goes, so proxy variables in
// kiln's environment are ignored. This one points at a closed port: honoured, it would
// make every download fail.
class ProxyEnvironmentTest : public AssetServerTest {
 protected:
  void SetUp() override {
    for (const char* name : {"http_proxy", "HTTPS_PROXY", "ALL_PROXY"}) ::setenv(name, "http://127.0.0.1:1", 1);
    ::setenv("no_grpc_proxy", "127.0.0.1", 1);  // gRPC reads them too: the test's own channel goes direct.
    AssetServerTest::SetUp();  // kiln inherits the environment.
  }
  void TearDown() override {
    AssetServerTest::TearDown();
    for (const char* name : {"http_proxy", "HTTPS_PROXY", "ALL_PROXY", "no_grpc_proxy"}) ::unsetenv(name);
  }
};

TEST_F(ProxyEnvironmentTest, ProxyVariablesAreIgnored) {
  http_.Serve("/direct", "fetched directly");
  asset::FetchBlobResponse response;
  ASSERT_TRUE(FetchBlob(AssetRequest<asset::FetchBlobRequest>({http_.Url("/direct")}), &response).ok());
  ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(http_.requests("/direct"), 1);
}

}  // namespace
}  // namespace kiln_test
