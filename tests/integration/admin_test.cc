// `kiln admin` against real servers: drain a `kiln worker` and see new work go elsewhere,
// cancel a queued operation, delete a CAS blob, refuse callers without `admin`; in a farm,
// a drain made through one frontend is what the other lists. And the access log.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>

#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "common/hasher.h"
#include "execution_util.h"
#include "admin_cli.h"
#include "remote_worker_process.h"
#include "testing/redis_server_process.h"

namespace kiln_test {
namespace {

google::protobuf::Struct Json(const std::string& text) {
  google::protobuf::Struct json;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &json).ok()) << text;
  return json;
}

// The JSON of `kiln admin ... --json`, which must succeed.
google::protobuf::Struct AdminJson(const std::string& server, std::vector<std::string> args) {
  args.push_back("--json");
  std::string out;
  EXPECT_EQ(Admin(server, args, &out), 0) << out;
  return Json(out);
}

const google::protobuf::Value* FindWorker(const google::protobuf::Struct& listing, const std::string& id) {
  for (const auto& worker : listing.fields().at("workers").list_value().values()) {
    if (worker.struct_value().fields().at("id").string_value() == id) return &worker;
  }
  return nullptr;
}

bool Drained(const google::protobuf::Struct& listing, const std::string& id) {
  const google::protobuf::Value* worker = FindWorker(listing, id);
  return worker != nullptr && worker->struct_value().fields().at("drained").bool_value();
}

class AdminTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override {
    return {"--workers", "0", "--access-log", access_log_.path() + "/access.log"};
  }
  void TearDown() override {
    for (auto& worker : workers_) {
      if (worker->running()) EXPECT_EQ(worker->Stop(SIGTERM), 0);
    }
    workers_.clear();
    KilnServerTest::TearDown();
  }
  void StartWorker(const std::string& id) {
    work_dirs_.push_back(std::make_unique<TempDir>());
    std::string error;
    auto worker = WorkerProcess::Start(server().address(), work_dirs_.back()->path(), id, {"--slots", "1"}, &error);
    ASSERT_TRUE(worker) << error;
    workers_.push_back(std::move(worker));
  }
  reapi::Digest ShellAction(const std::string& script) {
    ActionSpec spec;
    spec.arguments = {"/bin/sh", "-c", script};
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    return UploadAction(cas(), spec);
  }

  TempDir access_log_;
  std::vector<std::unique_ptr<TempDir>> work_dirs_;
  std::vector<std::unique_ptr<WorkerProcess>> workers_;
};

TEST_F(AdminTest, ADrainedWorkerGetsNoNewWorkUntilUndrained) {
  StartWorker("worker-a");
  StartWorker("worker-b");
  EXPECT_EQ(AdminJson(server().address(), {"workers", "drain", "worker-a"}).fields_size(), 0);
  const google::protobuf::Struct listing = AdminJson(server().address(), {"workers", "list"});
  EXPECT_TRUE(Drained(listing, "worker-a"));
  EXPECT_FALSE(Drained(listing, "worker-b"));
  for (int i = 0; i < 3; ++i) {
    ExecuteResult run = Execute(server().channel(), ShellAction("echo run-" + std::to_string(i)));
    ASSERT_TRUE(run.status.ok());
    EXPECT_EQ(run.response.result().execution_metadata().worker(), "worker-b");
  }
  std::string text;
  ASSERT_EQ(Admin(server().address(), {"workers"}, &text), 0);
  EXPECT_NE(text.find("worker-a  drained"), std::string::npos) << text;
  EXPECT_EQ(AdminJson(server().address(), {"workers", "undrain", "worker-a"}).fields_size(), 0);
  EXPECT_FALSE(Drained(AdminJson(server().address(), {"workers", "list"}), "worker-a"));
}

TEST_F(AdminTest, CancelsAQueuedOperation) {
  StartWorker("only");
  AdminJson(server().address(), {"workers", "drain", "only"});  // Nothing runs: the action waits.
  auto run = std::async(std::launch::async, [&] { return Execute(server().channel(), ShellAction("echo never")); });
  std::string name;
  for (int i = 0; i < 100 && name.empty(); ++i) {
    const google::protobuf::Struct queued = AdminJson(server().address(), {"operations", "list", "--stage", "queued"});
    const auto& ops = queued.fields().at("operations").list_value().values();
    if (!ops.empty()) name = ops[0].struct_value().fields().at("name").string_value();
    if (name.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(name.empty());
  AdminJson(server().address(), {"operations", "cancel", name});
  ExecuteResult result = run.get();
  ASSERT_TRUE(result.status.ok());
  EXPECT_EQ(result.response.status().code(), static_cast<int>(grpc::StatusCode::CANCELLED));
  const google::protobuf::Struct shown = AdminJson(server().address(), {"operations", "show", name});
  EXPECT_EQ(shown.fields().at("stage").string_value(), "completed");
}

TEST_F(AdminTest, DeletedBlobsAreMissingAfterwards) {
  ASSERT_TRUE(BatchUpload(cas(), "", {"keep me", "drop me"}));
  const kiln::Digest keep = kiln::ComputeDigest(kiln::DigestFunction::kSha256, "keep me");
  const kiln::Digest drop = kiln::ComputeDigest(kiln::DigestFunction::kSha256, "drop me");
  const google::protobuf::Struct stat = AdminJson(server().address(), {"cas", "stat", keep.ToString(), drop.ToString()});
  for (const auto& blob : stat.fields().at("blobs").list_value().values()) {
    EXPECT_TRUE(blob.struct_value().fields().at("present").bool_value());
  }
  std::string text;
  ASSERT_EQ(Admin(server().address(), {"cas", "delete", drop.ToString()}, &text), 0);
  EXPECT_NE(text.find(drop.ToString() + "  deleted"), std::string::npos) << text;
  std::vector<reapi::Digest> asked(2), missing;
  asked[0].set_hash(keep.hash());
  asked[0].set_size_bytes(keep.size());
  asked[1].set_hash(drop.hash());
  asked[1].set_size_bytes(drop.size());
  ASSERT_TRUE(FindMissing(cas(), "", asked, &missing).ok());
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].hash(), drop.hash());
  ASSERT_EQ(Admin(server().address(), {"cas", "delete", drop.ToString()}, &text), 0);
  EXPECT_NE(text.find("not found"), std::string::npos) << text;
}

TEST_F(AdminTest, StatusAndTheAccessLog) {
  const google::protobuf::Struct status = AdminJson(server().address(), {"status"});
  EXPECT_EQ(status.fields().at("role").string_value(), "frontend");
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "some/instance", {}, &missing).ok());
  StopServer();
  std::ifstream file(access_log_.path() + "/access.log");
  std::stringstream log;
  log << file.rdbuf();
  EXPECT_NE(log.str().find("method=/build.bazel.remote.execution.v2.ContentAddressableStorage/FindMissingBlobs "
                           "instance=some/instance code=0"),
            std::string::npos)
      << log.str();
  EXPECT_NE(log.str().find("principal=anonymous"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("/kiln.admin.v1.AdminService/GetStatus"), std::string::npos) << log.str();
}

TEST(AdminAuthTest, CallersWithoutAdminAreRefused) {
  TempDir dir, data;
  const std::string auth_file = dir.path() + "/auth.json";
  std::ofstream(auth_file) << R"({"principals": [
      {"name": "ops", "token_sha256": [")" + kiln::ComputeDigest(kiln::DigestFunction::kSha256, "ops-token").hash() +
                                  R"("], "grants": [{"permissions": ["admin"]}]},
      {"name": "dev", "token_sha256": [")" + kiln::ComputeDigest(kiln::DigestFunction::kSha256, "dev-token").hash() +
                                  R"("], "grants": [{"permissions": ["cas-read", "cas-write", "execute"]}]}],
     "anonymous": {"grants": []}})";
  ::chmod(auth_file.c_str(), 0600);
  for (const char* token : {"ops-token", "dev-token"}) {
    std::ofstream(dir.path() + "/" + token) << token << "\n";
    ::chmod((dir.path() + "/" + token).c_str(), 0600);
  }
  std::string error;
  auto server = KilnProcess::Start(data.path(), {"--auth-file", auth_file, "--workers", "0"}, &error);
  ASSERT_TRUE(server) << error;
  std::string out;
  EXPECT_EQ(Admin(server->address(), {"status", "--token-file", dir.path() + "/ops-token"}, &out), 0) << out;
  EXPECT_EQ(Admin(server->address(), {"status", "--token-file", dir.path() + "/dev-token"}, &out), 1);
  EXPECT_EQ(Admin(server->address(), {"workers", "list"}, &out), 1);  // Anonymous.
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_EQ(server->Stop(), 0);
}

TEST(AdminFarmTest, ADrainThroughOneFrontendIsWhatTheOtherLists) {
  auto redis = kiln::testing::RedisServerProcess::Start();
  ASSERT_TRUE(redis.ok()) << redis.status().ToString();
  TempDir a_dir, b_dir, work_dir;
  std::string error;
  auto a = KilnProcess::Start(a_dir.path(), {"--backplane", (*redis)->url(), "--workers", "0"}, &error);
  ASSERT_TRUE(a) << error;
  auto b = KilnProcess::Start(b_dir.path(), {"--backplane", (*redis)->url(), "--workers", "0"}, &error);
  ASSERT_TRUE(b) << error;
  auto worker = WorkerProcess::Start(a->address(), work_dir.path(), "farm-worker", {"--slots", "2"}, &error);
  ASSERT_TRUE(worker) << error;
  AdminJson(b->address(), {"workers", "drain", "farm-worker"});
  const google::protobuf::Struct listing = AdminJson(a->address(), {"workers", "list"});
  ASSERT_NE(FindWorker(listing, "farm-worker"), nullptr);
  EXPECT_TRUE(Drained(listing, "farm-worker"));
  EXPECT_EQ(FindWorker(listing, "farm-worker")->struct_value().fields().at("slots").number_value(), 2);
  AdminJson(a->address(), {"workers", "undrain", "farm-worker"});
  EXPECT_FALSE(Drained(AdminJson(b->address(), {"workers", "list"}), "farm-worker"));
  EXPECT_EQ(worker->Stop(SIGTERM), 0);
  EXPECT_EQ(a->Stop(), 0);
  EXPECT_EQ(b->Stop(), 0);
}

}  // namespace
}  // namespace kiln_test
