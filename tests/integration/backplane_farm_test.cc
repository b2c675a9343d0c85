// A farm as real processes: a Redis backplane, a storage node, and two frontends sharing
// both (kiln serve --backplane --cas). Work enqueued through one frontend runs on the
// other's worker, any frontend answers for any operation and relays its live output,
// results are shared, and a Redis outage is UNAVAILABLE for new executions (cache hits keep
// working) until Redis is back.
#include <sys/stat.h>

#include <fstream>

#include "child_process.h"
#include "execution_util.h"
#include "http_fetch.h"
#include "live_log_reader.h"
#include "remote_worker_process.h"
#include "test_util.h"
#include "client/client_channel.h"
#include "common/hasher.h"
#include "testing/eventually.h"
#include "testing/redis_server_process.h"

namespace kiln_test {
namespace {

using kiln::Eventually;

ActionSpec Echo(const std::string& text, double sleep_seconds = 0) {
  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", "sleep " + std::to_string(sleep_seconds) + "; echo " + text + " > out.txt"};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  spec.output_paths = {"out.txt"};
  return spec;
}

class BackplaneFarmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kiln::testing::RedisServerOptions redis_options;
    redis_options.append_only = true;  // A restart keeps the queue.
    // Nobody gets in without a password; the frontends are the ACL user "kiln", whose
    // password they read from a file.
    redis_options.password = "nobody-knows";
    redis_options.acl_user = "kiln";
    redis_options.acl_password = "farm-secret";
    auto redis = kiln::testing::RedisServerProcess::Start(redis_options);
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(redis).value();
    password_file_ = secrets_.path() + "/redis-password";
    {
      std::ofstream out(password_file_);
      out << "farm-secret\n";
    }
    ASSERT_EQ(::chmod(password_file_.c_str(), 0600), 0);
    std::string error;
    storage_ = KilnProcess::Start(storage_dir_.path(), {"--role", "storage"}, &error);
    ASSERT_TRUE(storage_) << error;
    // A has no workers of its own: what it accepts runs on B's.
    a_ = StartFrontend(a_dir_, {"--workers", "0"});
    b_ = StartFrontend(b_dir_, {"--workers", "1"});
    ASSERT_TRUE(a_ && b_);
  }

  void TearDown() override {
    for (KilnProcess* process : {a_.get(), b_.get(), storage_.get()}) {
      if (process) EXPECT_EQ(process->Stop(), 0) << process->stdout_text();
    }
  }

  std::unique_ptr<KilnProcess> StartFrontend(const TempDir& dir, const std::vector<std::string>& extra) {
    std::vector<std::string> flags = {"--backplane", "redis://kiln@127.0.0.1:" + std::to_string(redis_->port()),
                                      "--backplane-password-file", password_file_,
                                      "--cas", "grpc://" + storage_->address()};
    flags.insert(flags.end(), extra.begin(), extra.end());
    std::string error;
    auto frontend = KilnProcess::Start(dir.path(), flags, &error);
    EXPECT_TRUE(frontend) << error;
    return frontend;
  }

  std::unique_ptr<kiln::testing::RedisServerProcess> redis_;
  TempDir secrets_, storage_dir_, a_dir_, b_dir_;
  std::string password_file_;
  std::unique_ptr<KilnProcess> storage_, a_, b_;
};

TEST_F(BackplaneFarmTest, WorkAcceptedByOneFrontendRunsOnTheOthersWorkerAndIsSharedByBoth) {
  const reapi::Digest action = UploadAction(a_->cas(), Echo("farm"));
  ExecuteResult run = Execute(a_->channel(), action);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  ASSERT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
  EXPECT_FALSE(run.response.cached_result());
  EXPECT_EQ(ReadBlobText(a_->bytestream(), run.response.result().output_files(0).digest()), "farm\n");
  ExecuteResult again = Execute(b_->channel(), action);
  ASSERT_TRUE(again.status.ok()) << Describe(again.status);
  EXPECT_TRUE(again.response.cached_result());
}

TEST_F(BackplaneFarmTest, AnOperationStartedThroughOneFrontendIsFollowedThroughTheOther) {
  const reapi::Digest action = UploadAction(a_->cas(), Echo("followed", 1));
  std::string name;
  {  // The client reads the first update from A, then drops its stream...
    auto stub = reapi::Execution::NewStub(a_->channel());
    grpc::ClientContext context;
    SetDeadline(&context);
    reapi::ExecuteRequest request;
    *request.mutable_action_digest() = action;
    auto reader = stub->Execute(&context, request);
    google::longrunning::Operation first;
    ASSERT_TRUE(reader->Read(&first));
    name = first.name();
    context.TryCancel();
    reader->Finish();
  }
  // ...and resumes on B.
  ExecuteResult resumed = WaitExecution(b_->channel(), name);
  ASSERT_TRUE(resumed.status.ok()) << Describe(resumed.status);
  ASSERT_FALSE(resumed.updates.empty());
  EXPECT_TRUE(resumed.updates.back().done());
  EXPECT_EQ(resumed.response.status().code(), 0) << Describe(resumed.response.status());
  EXPECT_EQ(ReadBlobText(b_->bytestream(), resumed.response.result().output_files(0).digest()), "followed\n");
}

TEST_F(BackplaneFarmTest, LiveOutputIsReadThroughTheFrontendTheClientUses) {
  // Runs on B's worker, so B holds the streams; the client knows only A.
  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", "echo first; echo err-first >&2; sleep 3; echo second"};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  ExecutionStream execution(a_->channel(), UploadAction(a_->cas(), spec));
  ASSERT_TRUE(execution.WaitForMetadata(
      [](const reapi::ExecuteOperationMetadata& m) { return !m.stdout_stream_name().empty(); },
      std::chrono::seconds(30)))
      << "no update named the log streams; latest: " << execution.LatestMetadata().DebugString();
  const reapi::ExecuteOperationMetadata metadata = execution.LatestMetadata();

  LiveLogReader out(a_->bytestream(), metadata.stdout_stream_name());
  LiveLogReader err(a_->bytestream(), metadata.stderr_stream_name());
  LiveLogReader dropped(a_->bytestream(), metadata.stdout_stream_name());
  ASSERT_TRUE(out.WaitFor("first\n")) << "got: " << out.received();
  EXPECT_FALSE(execution.done()) << "the first output arrived only after the action completed";
  ASSERT_TRUE(err.WaitFor("err-first\n")) << "got: " << err.received();
  // The web UI of A follows it too, polling through the same relay.
  const std::string log_url = "http://127.0.0.1:" + std::to_string(a_->http_port()) +
                              "/api/log?name=" + UrlEncode(metadata.stdout_stream_name()) + "&offset=0";
  HttpReply polled = Fetch({"GET", log_url, "", {"X-Kiln-UI: 1"}});
  EXPECT_EQ(polled.status, 200) << polled.body;
  EXPECT_NE(polled.body.find(R"("data":"first\n")"), std::string::npos) << polled.body;
  EXPECT_NE(polled.body.find(R"("relayed_from")"), std::string::npos) << polled.body;
  EXPECT_NE(polled.body.find(R"("finalized":false)"), std::string::npos) << polled.body;
  // A reader that goes away midway ends its relay (and not the others').
  ASSERT_TRUE(dropped.WaitFor("first\n"));
  dropped.Cancel();
  EXPECT_EQ(dropped.Finish().error_code(), grpc::StatusCode::CANCELLED);
  grpc::Status out_status = out.Finish();
  EXPECT_TRUE(out_status.ok()) << Describe(out_status);
  EXPECT_EQ(out.received(), "first\nsecond\n");
  EXPECT_TRUE(err.Finish().ok());
  ASSERT_TRUE(Finish(execution).status.ok());

  // Offsets and limits are the holder's to apply, as for a local stream.
  std::string tail;
  ASSERT_TRUE(ByteStreamRead(a_->bytestream(), metadata.stdout_stream_name(), &tail, 6).ok());
  EXPECT_EQ(tail, "second\n");
  // A stream no frontend holds is NOT_FOUND, saying why.
  std::string name = metadata.stdout_stream_name();
  name.replace(name.rfind('/') + 1, 4, "0000");
  std::string nothing;
  grpc::Status gone = ByteStreamRead(a_->bytestream(), name, &nothing);
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(gone);
  EXPECT_NE(gone.error_message().find("left the farm"), std::string::npos) << Describe(gone);
}

// With authentication, the relaying frontend proves itself to the holder with its own peer
// token, and a frontend without one is refused there.
TEST_F(BackplaneFarmTest, RelayedReadsAreAuthorizedByTheHolderAsTheRelayingFrontend) {
  const auto sha256 = [](const std::string& text) {
    return kiln::ComputeDigest(kiln::DigestFunction::kSha256, text).hash();
  };
  const std::string auth_file = secrets_.path() + "/auth.json";
  std::ofstream(auth_file) << R"({"principals": [
      {"name": "builder", "token_sha256": [")" + sha256("builder-token") + R"("],
       "grants": [{"permissions": ["cas-read", "cas-write", "ac-read", "execute", "logs-read"]}]},
      {"name": "frontend-c", "token_sha256": [")" + sha256("peer-token") + R"("],
       "grants": [{"permissions": ["logs-read"]}]}]})";
  const std::string peer_token = secrets_.path() + "/peer-token";
  const std::string builder_token = secrets_.path() + "/builder-token";
  std::ofstream(peer_token) << "peer-token\n";
  std::ofstream(builder_token) << "builder-token\n";
  ASSERT_EQ(::chmod(peer_token.c_str(), 0600), 0);
  ASSERT_EQ(::chmod(builder_token.c_str(), 0600), 0);
  TempDir c_dir, d_dir, e_dir;
  auto c = StartFrontend(c_dir, {"--workers", "0", "--auth-file", auth_file, "--peer-token-file", peer_token});
  auto d = StartFrontend(d_dir, {"--workers", "1", "--auth-file", auth_file});
  auto e = StartFrontend(e_dir, {"--workers", "0", "--auth-file", auth_file});
  ASSERT_TRUE(c && d && e);
  // The fixture's B has a worker too: stop it, so that the action runs on D's.
  EXPECT_EQ(b_->Stop(), 0);
  b_.reset();
  const auto as_builder = [&](KilnProcess& frontend) {
    kiln::ClientConnectionOptions options;
    options.target = "grpc://" + frontend.address();
    options.token_file = builder_token;
    auto factory = kiln::ClientChannelFactory::Create(options);
    EXPECT_TRUE(factory.ok()) << factory.status().ToString();
    return (*factory)->NewChannel();
  };
  auto via_c = as_builder(*c);
  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", "echo relayed"};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  reapi::ContentAddressableStorage::Stub cas(via_c);
  ExecuteResult run = Execute(via_c, UploadAction(cas, spec));
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  const std::string stream = MetadataOf(run.updates.back()).stdout_stream_name();
  ASSERT_FALSE(stream.empty()) << run.updates.back().DebugString();

  google::bytestream::ByteStream::Stub through_c(via_c);
  std::string text;
  grpc::Status read = ByteStreamRead(through_c, stream, &text);
  EXPECT_TRUE(read.ok()) << Describe(read);
  EXPECT_EQ(text, "relayed\n");
  // E has no peer token: D does not know it, whoever its client is.
  google::bytestream::ByteStream::Stub through_e(as_builder(*e));
  grpc::Status refused = ByteStreamRead(through_e, stream, &text);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(refused);
  for (KilnProcess* process : {c.get(), d.get(), e.get()}) EXPECT_EQ(process->Stop(), 0) << process->stdout_text();
}

// A worker whose frontend dies mid-action moves to the other one and reports there: the
// result is accepted at once, not ignored until the attempt's report deadline (minutes) or
// run again after the lease.
TEST_F(BackplaneFarmTest, AResultReportedThroughTheWorkersNewFrontendIsAccepted) {
  TempDir c_dir, d_dir, work_dir;
  std::vector<std::unique_ptr<KilnProcess>> frontends;
  frontends.push_back(StartFrontend(c_dir, {"--workers", "0"}));
  frontends.push_back(StartFrontend(d_dir, {"--workers", "0"}));
  ASSERT_TRUE(frontends[0] && frontends[1]);
  // The fixture's B has a local worker: stopped, so that the action runs on this worker.
  EXPECT_EQ(b_->Stop(), 0);
  b_.reset();
  std::string error;
  auto worker = WorkerProcess::Start(frontends[0]->address() + "," + frontends[1]->address(), work_dir.path(),
                                     "mover", {"--slots", "1"}, &error);
  ASSERT_TRUE(worker) << error;
  ASSERT_TRUE(Eventually([&] { return !worker->connected_to().empty(); }, std::chrono::seconds(10)));
  const size_t holder = worker->connected_to() == frontends[0]->address() ? 0 : 1;
  KilnProcess& doomed = *frontends[holder];
  KilnProcess& survivor = *frontends[1 - holder];

  // Executed through the survivor, handed out through the doomed frontend.
  ExecutionStream execution(survivor.channel(), UploadAction(survivor.cas(), Echo("moved", 2)));
  ASSERT_TRUE(execution.WaitForMetadata(
      [](const reapi::ExecuteOperationMetadata& m) { return m.stage() == reapi::ExecutionStage::EXECUTING; },
      std::chrono::seconds(20)));
  const auto killed = std::chrono::steady_clock::now();
  doomed.Kill9();
  ExecuteResult run = Finish(execution);
  const auto took = std::chrono::steady_clock::now() - killed;
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  ASSERT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
  EXPECT_EQ(run.response.result().execution_metadata().worker(), "mover");
  EXPECT_EQ(ReadBlobText(survivor.bytestream(), run.response.result().output_files(0).digest()), "moved\n");
  // The 2 s action finished on the worker; nothing waited for the 30 s lease.
  EXPECT_LT(took, std::chrono::seconds(15)) << worker->stdout_text();
  EXPECT_EQ(worker->Stop(SIGTERM), 0) << worker->stdout_text();
  EXPECT_EQ(survivor.Stop(), 0) << survivor.stdout_text();
}

TEST_F(BackplaneFarmTest, AFrontendWithTheWrongRedisPasswordSaysSoAndDoesNotStart) {
  std::ofstream(password_file_) << "not-the-password-7f3a\n";
  TempDir dir;
  // Through a shell, for kiln's stderr.
  const std::string command = std::string(KILN_BINARY) + " serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir " + dir.path() +
                              " --backplane redis://kiln@127.0.0.1:" + std::to_string(redis_->port()) +
                              " --backplane-password-file " + password_file_ + " 2>&1";
  std::string error;
  auto refused = ChildProcess::Spawn({"/bin/sh", "-c", command}, &error);
  ASSERT_TRUE(refused) << error;
  refused->ReadStdoutUntil("\x01never\x01", 20'000);  // Until it exits.
  const std::string& said = refused->stdout_text();
  EXPECT_EQ(said.find("serving on"), std::string::npos) << said;
  EXPECT_NE(said.find("authentication as user 'kiln' refused"), std::string::npos) << said;
  EXPECT_EQ(said.find("7f3a"), std::string::npos) << "the password shows in: " << said;
}

TEST_F(BackplaneFarmTest, WhileRedisIsDownExecuteIsUnavailableAndCacheHitsStillWork) {
  const reapi::Digest cached = UploadAction(a_->cas(), Echo("before"));
  ASSERT_EQ(Execute(a_->channel(), cached).response.status().code(), 0);
  const reapi::Digest fresh = UploadAction(a_->cas(), Echo("during"));
  redis_->Kill();

  ExecuteResult refused = Execute(a_->channel(), fresh);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(refused.status);
  ExecuteResult hit = Execute(b_->channel(), cached);
  ASSERT_TRUE(hit.status.ok()) << Describe(hit.status);
  EXPECT_TRUE(hit.response.cached_result());

  ASSERT_TRUE(redis_->Restart().ok());
  ExecuteResult after;
  ASSERT_TRUE(Eventually([&] {
    after = Execute(a_->channel(), fresh);
    return after.status.ok();
  }, std::chrono::seconds(20))) << Describe(after.status);
  EXPECT_EQ(after.response.status().code(), 0) << Describe(after.response.status());
}

}  // namespace
}  // namespace kiln_test
