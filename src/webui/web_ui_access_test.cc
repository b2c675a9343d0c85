// Who may see what through the web UI, with an auth file: the same principals and grants
// as gRPC, operations visible to their owners (all of them to admins), drains for admins.
#include "auth/token_digest.h"
#include "common/file_util.h"
#include "testing/temp_dir.h"
#include "webui/web_ui.h"
#include "webui/web_ui_test_support.h"

namespace kiln {
namespace {

using testing_support::Field;

std::string Principal(const std::string& name, const std::string& token, const std::string& grants) {
  return R"({"name": ")" + name + R"(", "token_sha256": [")" + TokenDigestHex(Sha256Token(token)) +
         R"("], "grants": [)" + grants + "]}";
}

class WebUiAccessTest : public testing_support::WebUiFixture {
 protected:
  void SetUp() override {
    const std::string path = dir_.path() + "/auth.json";
    const std::string file =
        R"({"principals": [)" +
        Principal("alice", "alice-token", R"({"permissions": ["execute", "cas-read", "logs-read"]})") + "," +
        Principal("bob", "bob-token", R"({"permissions": ["execute"]})") + "," +
        Principal("root", "root-token", R"({"permissions": ["execute", "admin"]})") + "," +
        Principal("reader", "reader-token", R"({"permissions": ["cas-read"], "instances": ["team"]})") + "]}";
    ASSERT_TRUE(WriteFileAtomically(path, file, false).ok());
    AuthPolicySource::Options options;
    options.path = path;
    auto source = AuthPolicySource::Open(options);
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    source_ = std::move(source).value();
    authorizer_ = std::make_unique<RequestAuthorizer>(source_.get(), nullptr);
    StartUi(authorizer_.get());
    scheduler_.AddWorker("w1", Platform(), 1);
    alice_operation_ = Enqueue(UploadAction({"/bin/echo", "alice"}), Caller{"alice", false}, "team");
    bob_operation_ = Enqueue(UploadAction({"/bin/echo", "bob"}), Caller{"bob", false});
  }

  size_t Listed(const std::string& token) {
    return static_cast<size_t>(Field(Get("/api/operations", token).json, "operations").list_value().values_size());
  }

  TempDir dir_;
  std::unique_ptr<AuthPolicySource> source_;
  std::unique_ptr<RequestAuthorizer> authorizer_;
  std::string alice_operation_;
  std::string bob_operation_;
};

TEST_F(WebUiAccessTest, OperationsAreVisibleToTheirOwnersAndToAdmins) {
  EXPECT_EQ(Listed("alice-token"), 1u);
  EXPECT_EQ(Listed("bob-token"), 1u);
  EXPECT_EQ(Listed("root-token"), 2u);
  EXPECT_FALSE(Field(Get("/api/operations", "alice-token").json, "all_visible").bool_value());
  EXPECT_TRUE(Field(Get("/api/operations", "root-token").json, "all_visible").bool_value());
  EXPECT_EQ(Get("/api/operations").status, 401);
  EXPECT_EQ(Get("/api/operations", "wrong-token").status, 401);
  EXPECT_EQ(Get("/api/operations", "reader-token").status, 403);

  // Someone else's operation does not exist, as over gRPC.
  EXPECT_EQ(Get("/api/operation?name=" + alice_operation_, "bob-token").status, 404);
  EXPECT_EQ(Get("/api/operation?name=" + alice_operation_, "root-token").status, 200);
}

TEST_F(WebUiAccessTest, TheActionAndCommandNeedCasRead) {
  auto alice = Get("/api/operation?name=" + alice_operation_, "alice-token");
  ASSERT_EQ(alice.status, 200) << alice.body;
  EXPECT_TRUE(Field(alice.json, "command").has_struct_value());
  auto bob = Get("/api/operation?name=" + bob_operation_, "bob-token");
  ASSERT_EQ(bob.status, 200) << bob.body;
  EXPECT_TRUE(Field(bob.json, "command").has_null_value());
  EXPECT_NE(Field(bob.json, "action_error").string_value().find("cas-read"), std::string::npos) << bob.body;
}

TEST_F(WebUiAccessTest, BlobsNeedCasReadOnTheInstanceAsked) {
  const Digest blob = Put("some text\n");
  const std::string path = "/api/blob/sha256/" + blob.hash() + "/" + std::to_string(blob.size());
  EXPECT_EQ(Get(path + "?instance=team", "reader-token").status, 200);
  EXPECT_EQ(Get(path, "reader-token").status, 403);
  EXPECT_EQ(Get(path, "bob-token").status, 403);
  EXPECT_EQ(Get(path).status, 401);
}

TEST_F(WebUiAccessTest, LiveLogsNeedLogsRead) {
  auto names = log_streams_.Create("team", LogStreamOwner::kServer);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(Get("/api/log?name=" + names->read_name, "alice-token").status, 200);
  EXPECT_EQ(Get("/api/log?name=" + names->read_name, "bob-token").status, 403);
}

TEST_F(WebUiAccessTest, OnlyAdminsDrainWorkers) {
  auto alice = Get("/api/workers", "alice-token");
  ASSERT_EQ(alice.status, 200) << alice.body;
  EXPECT_FALSE(Field(alice.json, "can_drain").bool_value());
  EXPECT_TRUE(Field(Get("/api/workers", "root-token").json, "can_drain").bool_value());
  EXPECT_EQ(Call("POST", "/api/workers/drain?id=w1", "alice-token").status, 403);
  EXPECT_EQ(Call("POST", "/api/workers/drain?id=w1").status, 401);
  EXPECT_EQ(Call("POST", "/api/workers/drain?id=w1", "root-token").status, 200);
}

TEST_F(WebUiAccessTest, ThePagesAndTheOverviewArePublic) {
  EXPECT_EQ(Get("/api/overview").status, 200);
  EXPECT_EQ(Get("/api/history").status, 200);
  testing::FakeRequest page("GET", "/operations");
  testing::FakeResponder responder;
  router_->Serve(page.request, responder);
  EXPECT_EQ(responder.status(), 200);
}

}  // namespace
}  // namespace kiln
