#include "http/http_router.h"

#include <gtest/gtest.h>

#include "auth/token_digest.h"
#include "common/file_util.h"
#include "testing/http_fakes.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

using testing::FakeRequest;
using testing::FakeResponder;

HttpHandler Answer(std::string text) {
  return [text](HttpRequest& request, HttpResponder& responder) {
    (void)responder.Send(200, "text/plain", text + (request.principal ? " as " + request.principal->name : ""));
  };
}

int StatusOf(const HttpRouter& router, FakeRequest& fake, std::string* body = nullptr) {
  FakeResponder responder;
  router.Serve(fake.request, responder);
  if (body) *body = responder.body();
  return responder.status();
}

TEST(HttpRouterTest, ExactPathsPrefixesAndTheFallback) {
  RequestAuthorizer everyone(nullptr, nullptr);
  HttpRouter router(&everyone);
  router.Handle("GET", "/healthz", HttpAccess::Public(), Answer("health"));
  router.Handle("GET", "/blob/", HttpAccess::Public(), Answer("blob"));
  router.Handle("GET", "/blob/sha256/", HttpAccess::Public(), Answer("sha256 blob"));
  router.HandleFallback("GET", HttpAccess::Public(), Answer("fallback"));
  std::string body;
  FakeRequest health("GET", "/healthz");
  EXPECT_EQ(StatusOf(router, health, &body), 200);
  EXPECT_EQ(body, "health");
  FakeRequest longest("GET", "/blob/sha256/ab/3");
  StatusOf(router, longest, &body);
  EXPECT_EQ(body, "sha256 blob");
  FakeRequest shorter("GET", "/blob/md5/ab/3");
  StatusOf(router, shorter, &body);
  EXPECT_EQ(body, "blob");
  // An exact path is not a prefix.
  FakeRequest other("GET", "/healthz/x");
  StatusOf(router, other, &body);
  EXPECT_EQ(body, "fallback");
}

TEST(HttpRouterTest, TheRootPathIsExactNotAPrefixOfEverything) {
  RequestAuthorizer everyone(nullptr, nullptr);
  HttpRouter router(&everyone);
  router.Handle("GET", "/", HttpAccess::Public(), Answer("front page"));
  router.HandleFallback("GET", HttpAccess::Public(), Answer("fallback"));
  std::string body;
  FakeRequest root("GET", "/");
  StatusOf(router, root, &body);
  EXPECT_EQ(body, "front page");
  FakeRequest other("GET", "/team/cas/ab");
  StatusOf(router, other, &body);
  EXPECT_EQ(body, "fallback");
  FakeRequest put("PUT", "/cas/ab", "x");
  EXPECT_EQ(StatusOf(router, put), 404);  // Not 405: "/" is no prefix of it.
}

TEST(HttpRouterTest, UnknownPathIs404AndOtherMethods405) {
  RequestAuthorizer everyone(nullptr, nullptr);
  HttpRouter router(&everyone);
  router.Handle("GET", "/healthz", HttpAccess::Public(), Answer("health"));
  FakeRequest missing("GET", "/nothing");
  EXPECT_EQ(StatusOf(router, missing), 404);
  FakeRequest put("PUT", "/healthz", "x");
  EXPECT_EQ(StatusOf(router, put), 405);
}

TEST(HttpRouterTest, WithoutAnAuthFileEveryoneIsAnonymousWithEveryPermission) {
  RequestAuthorizer everyone(nullptr, nullptr);
  HttpRouter router(&everyone);
  router.Handle("GET", "/admin", HttpAccess::Needs(Permission::kAdmin), Answer("admin"));
  std::string body;
  FakeRequest request("GET", "/admin");
  EXPECT_EQ(StatusOf(router, request, &body), 200);
  EXPECT_EQ(body, "admin as anonymous");
}

class HttpRouterAuthTest : public ::testing::Test {
 protected:
  HttpRouterAuthTest() {
    const std::string path = dir_.path() + "/auth.json";
    const std::string file = R"({"principals": [{"name": "reader", "token_sha256": [")" +
                             TokenDigestHex(Sha256Token("secret")) +
                             R"("], "grants": [{"permissions": ["cas-read"], "instances": ["team"]}]}]})";
    EXPECT_TRUE(WriteFileAtomically(path, file, false).ok());
    AuthPolicySource::Options options;
    options.path = path;
    auto source = AuthPolicySource::Open(options);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    source_ = std::move(source).value();
    authorizer_ = std::make_unique<RequestAuthorizer>(source_.get(), nullptr);
    router_ = std::make_unique<HttpRouter>(authorizer_.get());
    router_->Handle("GET", "/healthz", HttpAccess::Public(), Answer("health"));
    // The instance name is the first path segment, as in the cache protocol.
    router_->Handle("GET", "/team/", HttpAccess::Needs(Permission::kCasRead, "team"), Answer("read"));
    router_->Handle("PUT", "/team/", HttpAccess::Needs(Permission::kCasWrite, "team"), Answer("write"));
    router_->Handle("GET", "/other", HttpAccess::PerRequest([](const HttpRequest&) -> StatusOr<std::optional<HttpRequirement>> {
                      return Status::InvalidArgument("bad path");
                    }),
                    Answer("never"));
  }

  int Status(const std::string& method, const std::string& path, const std::string& authorization,
             std::string* body = nullptr) {
    FakeRequest fake(method, path, method == "PUT" ? "data" : "");
    if (!authorization.empty()) fake.request.credentials.authorization = authorization;
    return StatusOf(*router_, fake, body);
  }

  TempDir dir_;
  std::unique_ptr<AuthPolicySource> source_;
  std::unique_ptr<RequestAuthorizer> authorizer_;
  std::unique_ptr<HttpRouter> router_;
};

TEST_F(HttpRouterAuthTest, PublicRoutesNeedNoCredentials) { EXPECT_EQ(Status("GET", "/healthz", ""), 200); }

TEST_F(HttpRouterAuthTest, NoCredentialsIs401) { EXPECT_EQ(Status("GET", "/team/x", ""), 401); }

TEST_F(HttpRouterAuthTest, AWrongTokenIs401) { EXPECT_EQ(Status("GET", "/team/x", "Bearer nope"), 401); }

TEST_F(HttpRouterAuthTest, AGoodTokenGetsItsPrincipal) {
  std::string body;
  EXPECT_EQ(Status("GET", "/team/x", "Bearer secret", &body), 200);
  EXPECT_EQ(body, "read as reader");
}

TEST_F(HttpRouterAuthTest, BasicCredentialsWorkAsOverGrpc) {
  // "reader:secret", as Bazel sends it for https://reader:secret@host/.
  EXPECT_EQ(Status("GET", "/team/x", "Basic cmVhZGVyOnNlY3JldA=="), 200);
}

TEST_F(HttpRouterAuthTest, WithoutThePermissionIs403) {
  std::string body;
  EXPECT_EQ(Status("PUT", "/team/x", "Bearer secret", &body), 403);
  EXPECT_NE(body.find("cas-write"), std::string::npos) << body;
}

TEST_F(HttpRouterAuthTest, AResolverErrorIsAnsweredBeforeAuthentication) {
  EXPECT_EQ(Status("GET", "/other", ""), 400);
}

}  // namespace
}  // namespace kiln
