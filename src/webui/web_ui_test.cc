// The web UI's endpoints over in-memory parts, without an auth file (everyone is an admin):
// the pages, the operations list and filters, an operation's detail, live logs, the blob
// browser, workers and drain, the overview and its history.
#include "webui/web_ui.h"

#include "scheduler/scheduler_test_support.h"
#include "webui/log_route.h"
#include "webui/web_ui_test_support.h"

namespace kiln {
namespace {

using testing_support::Field;
using testing_support::JsonAnswer;

class WebUiTest : public testing_support::WebUiFixture {
 protected:
  void SetUp() override { StartUi(); }
  static std::vector<std::string> Names(const JsonAnswer& answer) {
    std::vector<std::string> names;
    for (const auto& op : Field(answer.json, "operations").list_value().values()) {
      names.push_back(Field(op, "name").string_value());
    }
    return names;
  }
  const Caller alice_{"alice", false};
};

TEST_F(WebUiTest, EveryPageIsTheShellAndItsFilesAreEmbedded) {
  for (const char* page : {"/", "/operations", "/operations/abc", "/workers", "/blob/sha256/ab/1"}) {
    testing::FakeRequest fake("GET", page);
    testing::FakeResponder responder;
    router_->Serve(fake.request, responder);
    EXPECT_EQ(responder.status(), 200) << page;
    EXPECT_NE(responder.body().find("<main id=\"main\">"), std::string::npos) << page;
    EXPECT_NE(responder.headers().Get("Content-Security-Policy"), std::nullopt);
  }
  testing::FakeRequest script("GET", "/ui/app.js");
  testing::FakeResponder responder;
  router_->Serve(script.request, responder);
  EXPECT_EQ(responder.status(), 200);
  EXPECT_EQ(responder.headers().Get("Content-Type"), "text/javascript; charset=utf-8");
  // Every script, core.js (which the others use) first and main.js (which starts the page) last.
  const std::string& bundle = responder.body();
  EXPECT_EQ(bundle.find("// --- core.js"), 0u);
  EXPECT_NE(bundle.find("// --- workers.js"), std::string::npos);
  EXPECT_GT(bundle.find("// --- main.js"), bundle.find("// --- workers.js"));
  testing::FakeRequest style("GET", "/ui/app.css");
  testing::FakeResponder style_responder;
  router_->Serve(style.request, style_responder);
  EXPECT_EQ(style_responder.headers().Get("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(Get("/ui/missing.js").status, 404);
  // "/" is the front page, not a prefix of every path (the HTTP cache takes the others).
  EXPECT_EQ(Get("/nothing/here").status, 404);
}

TEST_F(WebUiTest, ListsOperationsNewestFirstAndFilters) {
  scheduler_.AddWorker("w1", Platform(), 2);
  const std::string running = Enqueue(UploadAction({"/bin/true"}), alice_);
  const std::string queued = Enqueue(UploadAction({"/bin/false"}), alice_);
  auto work = testing_support::RequestWork(scheduler_, "w1");
  ASSERT_EQ(work->operation(), running);
  scheduler_.ReportExecuting(running, "w1", 1, {});

  JsonAnswer all = Get("/api/operations");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(Names(all), (std::vector<std::string>{queued, running}));
  EXPECT_EQ(Field(all.json, "total").number_value(), 2);
  EXPECT_TRUE(Field(all.json, "all_visible").bool_value());
  const auto& first = Field(all.json, "operations").list_value().values(0);
  EXPECT_EQ(Field(first, "stage").string_value(), "queued");
  EXPECT_EQ(Field(Field(first, "action_digest"), "function").string_value(), "sha256");
  EXPECT_EQ(Field(Field(first, "action_digest"), "hash").string_value().size(), 64u);

  EXPECT_EQ(Names(Get("/api/operations?stage=executing")), (std::vector<std::string>{running}));
  EXPECT_EQ(Names(Get("/api/operations?limit=1&offset=1")), (std::vector<std::string>{running}));
  EXPECT_EQ(Get("/api/operations?stage=sleeping").status, 400);
  EXPECT_EQ(Get("/api/operations?exit_code=x").status, 400);

  reapi::ExecuteResponse response;
  response.mutable_result()->set_exit_code(3);
  scheduler_.ReportCompleted(running, "w1", 1, response);
  EXPECT_EQ(Names(Get("/api/operations?failed=1")), (std::vector<std::string>{running}));
  EXPECT_EQ(Names(Get("/api/operations?exit_code=3")), (std::vector<std::string>{running}));
  EXPECT_EQ(Names(Get("/api/operations?exit_code=0")), std::vector<std::string>{});
  const JsonAnswer failures = Get("/api/operations?failed=1");
  const auto& failed = Field(failures.json, "operations").list_value().values(0);
  EXPECT_EQ(Field(failed, "exit_code").number_value(), 3);
  EXPECT_EQ(Field(failed, "worker").string_value(), "w1");
  EXPECT_TRUE(Field(failed, "failed").bool_value());
}

TEST_F(WebUiTest, AnOperationShowsItsActionCommandAndTimestamps) {
  scheduler_.AddWorker("w1", Platform(), 1);
  const std::string name = Enqueue(UploadAction({"/bin/echo", "hello"}), alice_, "team");
  JsonAnswer answer = Get("/api/operation?name=" + name);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(Field(Field(answer.json, "operation"), "instance").string_value(), "team");
  const auto& arguments = Field(Field(answer.json, "command"), "arguments").list_value();
  ASSERT_EQ(arguments.values_size(), 2);
  EXPECT_EQ(arguments.values(1).string_value(), "hello");
  EXPECT_EQ(Field(Field(answer.json, "command"), "output_paths").list_value().values(0).string_value(), "out.txt");
  EXPECT_EQ(Field(Field(Field(answer.json, "action"), "command_digest"), "hash").string_value().size(), 64u);
  EXPECT_TRUE(Field(answer.json, "result").has_null_value());
  EXPECT_TRUE(Field(answer.json, "timestamps").has_struct_value());
  EXPECT_GT(Field(answer.json, "now_unix_ms").number_value(), 0);

  EXPECT_EQ(Get("/api/operation?name=operations/nope").status, 404);
  EXPECT_EQ(Get("/api/operation").status, 400);
}

TEST_F(WebUiTest, LiveLogsAreReadFromAnOffsetUntilFinalized) {
  auto names = log_streams_.Create("", LogStreamOwner::kServer);
  ASSERT_TRUE(names.ok());
  ASSERT_TRUE(log_streams_.Append(names->write_name, 0, "first\n").ok());
  const std::string target = "/api/log?name=" + names->read_name + "&offset=";
  JsonAnswer first = Get(target + "0");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Field(first.json, "data").string_value(), "first\n");
  EXPECT_EQ(Field(first.json, "next_offset").number_value(), 6);
  EXPECT_FALSE(Field(first.json, "finalized").bool_value());

  ASSERT_TRUE(log_streams_.Append(names->write_name, 6, "second \xe2\x82").ok());
  JsonAnswer second = Get(target + "6");
  // A character cut by the read waits for its last byte.
  EXPECT_EQ(Field(second.json, "data").string_value(), "second ");
  EXPECT_EQ(Field(second.json, "next_offset").number_value(), 13);
  ASSERT_TRUE(log_streams_.Append(names->write_name, 15, "\xac\n").ok());
  ASSERT_TRUE(log_streams_.Finalize(names->write_name).ok());
  JsonAnswer last = Get(target + "13");
  EXPECT_EQ(Field(last.json, "data").string_value(), "\xe2\x82\xac\n");
  EXPECT_TRUE(Field(last.json, "finalized").bool_value());

  EXPECT_EQ(Get("/api/log?name=blobs/x").status, 400);
  EXPECT_EQ(Get("/api/log?name=logstreams/unknown").status, 404);
  JsonAnswer elsewhere = Get("/api/log?name=logstreams/0a1b-xyz");
  EXPECT_TRUE(Field(elsewhere.json, "elsewhere").bool_value());
  EXPECT_EQ(Field(elsewhere.json, "holder").string_value(), "0a1b");
}

// Another frontend's stream, as the farm's relay reads it: whatever it holds now, from the
// offset asked for; what the relay fails with comes back as the page's error.
class FakeRemoteLogs final : public RemoteLogReader {
 public:
  StatusOr<RemoteLogSlice> ReadSlice(const std::string& read_name, int64_t offset, int64_t max_bytes) override {
    asked.push_back(read_name + "@" + std::to_string(offset));
    if (read_name != "logstreams/0a1b-xyz") return Status::NotFound("no frontend of the farm holds " + read_name);
    RemoteLogSlice slice;
    slice.data = text.substr(std::min<size_t>(offset, text.size()), max_bytes);
    slice.finished = finished;
    return slice;
  }
  std::string text;
  bool finished = false;
  std::vector<std::string> asked;
};

TEST_F(WebUiTest, AnotherFrontendsLiveLogIsReadThroughTheFarmsRelay) {
  FakeRemoteLogs remote;
  StartUi(nullptr, &remote);
  remote.text = "held elsewhere \xe2\x82";
  JsonAnswer first = Get("/api/log?name=logstreams/0a1b-xyz&offset=0");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_FALSE(Field(first.json, "elsewhere").bool_value());
  EXPECT_EQ(Field(first.json, "relayed_from").string_value(), "0a1b");
  EXPECT_EQ(Field(first.json, "data").string_value(), "held elsewhere ");
  EXPECT_EQ(Field(first.json, "next_offset").number_value(), 15);
  EXPECT_FALSE(Field(first.json, "finalized").bool_value());
  remote.text += "\xac\n";
  remote.finished = true;
  JsonAnswer last = Get("/api/log?name=logstreams/0a1b-xyz&offset=15");
  EXPECT_EQ(Field(last.json, "data").string_value(), "\xe2\x82\xac\n");
  EXPECT_TRUE(Field(last.json, "finalized").bool_value());
  EXPECT_EQ(remote.asked, (std::vector<std::string>{"logstreams/0a1b-xyz@0", "logstreams/0a1b-xyz@15"}));
  EXPECT_EQ(Get("/api/log?name=logstreams/ffff-gone").status, 404);
}

TEST_F(WebUiTest, CompleteUtf8PrefixStopsBeforeACutCharacter) {
  EXPECT_EQ(CompleteUtf8Prefix("abc"), 3u);
  EXPECT_EQ(CompleteUtf8Prefix("ab\xe2\x82"), 2u);
  EXPECT_EQ(CompleteUtf8Prefix("ab\xe2\x82\xac"), 5u);
  EXPECT_EQ(CompleteUtf8Prefix("\xf0\x9f\x98"), 0u);
  EXPECT_EQ(CompleteUtf8Prefix(""), 0u);
}

TEST_F(WebUiTest, TheBlobBrowserDecodesDirectoriesAndServesFiles) {
  const Digest file = Put("int main() { return 0; }\n");
  reapi::Directory directory;
  auto* node = directory.add_files();
  node->set_name("main.c");
  *node->mutable_digest() = ToProto(file);
  const Digest dir = Put(directory.SerializeAsString());
  const std::string dir_path = "sha256/" + dir.hash() + "/" + std::to_string(dir.size());

  JsonAnswer decoded = Get("/api/blob/" + dir_path + "?type=Directory");
  ASSERT_EQ(decoded.status, 200) << decoded.body;
  EXPECT_EQ(Field(decoded.json, "kind").string_value(), "Directory");
  EXPECT_EQ(Field(Field(decoded.json, "message"), "files").list_value().values(0).struct_value().fields().at("name").string_value(),
            "main.c");
  // Without the hint it is recognized too.
  EXPECT_EQ(Field(Get("/api/blob/" + dir_path).json, "kind").string_value(), "Directory");

  const std::string file_path = "sha256/" + file.hash() + "/" + std::to_string(file.size());
  JsonAnswer text = Get("/api/blob/" + file_path + "?type=file");
  EXPECT_EQ(Field(text.json, "kind").string_value(), "file");
  EXPECT_TRUE(Field(text.json, "text").bool_value());
  EXPECT_EQ(Field(text.json, "preview").string_value(), "int main() { return 0; }\n");

  testing::FakeRequest raw("GET", "/api/raw/" + file_path);
  raw.request.query = "name=src/main.c";
  testing::FakeResponder responder;
  router_->Serve(raw.request, responder);
  EXPECT_EQ(responder.status(), 200);
  EXPECT_EQ(responder.body(), "int main() { return 0; }\n");
  EXPECT_EQ(responder.headers().Get("Content-Disposition"), "attachment; filename=\"main.c\"");

  EXPECT_EQ(Get("/api/blob/sha256/" + std::string(64, 'a') + "/5").status, 404);
  EXPECT_EQ(Get("/api/blob/sha256/xyz/5").status, 400);
  EXPECT_EQ(Get("/api/blob/" + dir_path + "/extra").status, 400);
  EXPECT_EQ(Get("/api/blob/" + dir_path + "?type=Nonsense").status, 400);
}

TEST_F(WebUiTest, WorkersAreListedAndDrainedWithTheUiHeader) {
  scheduler_.AddWorker("w1", Platform(std::vector<std::pair<std::string, std::string>>{{"OSFamily", "linux"}}), 4);
  const std::string name = Enqueue(UploadAction({"/bin/true"}), alice_);
  auto work = testing_support::RequestWork(scheduler_, "w1");
  ASSERT_EQ(work->operation(), name);

  JsonAnswer list = Get("/api/workers");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_TRUE(Field(list.json, "can_drain").bool_value());
  const auto& worker = Field(list.json, "workers").list_value().values(0);
  EXPECT_EQ(Field(worker, "id").string_value(), "w1");
  EXPECT_EQ(Field(worker, "slots").number_value(), 4);
  EXPECT_EQ(Field(worker, "running").list_value().values(0).string_value(), name);
  EXPECT_EQ(Field(Field(worker, "platform").list_value().values(0), "value").string_value(), "linux");
  EXPECT_FALSE(Field(worker, "drained").bool_value());

  EXPECT_EQ(Call("POST", "/api/workers/drain?id=w1", "", /*ui_header=*/false).status, 403);
  EXPECT_EQ(Call("POST", "/api/workers/drain?id=w1").status, 200);
  EXPECT_TRUE(Field(Field(Get("/api/workers").json, "workers").list_value().values(0), "drained").bool_value());
  EXPECT_EQ(Call("POST", "/api/workers/undrain?id=w1").status, 200);
  EXPECT_FALSE(Field(Field(Get("/api/workers").json, "workers").list_value().values(0), "drained").bool_value());
  EXPECT_EQ(Call("POST", "/api/workers/drain?id=nobody").status, 404);
  EXPECT_EQ(Call("POST", "/api/workers/drain").status, 400);
}

TEST_F(WebUiTest, TheOverviewReadsTheRegistryAndTheHistoryGivesRates) {
  auto& calls = registry_.AddCounter("kiln_grpc_server_handled_total", "Calls.", {"grpc_code"});
  auto& lookups = registry_.AddCounter("kiln_action_cache_lookups_total", "Lookups.", {"result"});
  auto& executed = registry_.AddCounter("kiln_actions_executed_total", "Actions.", {"outcome"});
  calls.WithLabels({"OK"}).Inc(10);
  calls.WithLabels({"NOT_FOUND"}).Inc(2);
  lookups.WithLabels({"hit"}).Inc(3);
  lookups.WithLabels({"miss"}).Inc(1);
  executed.WithLabels({"success"}).Inc(4);
  executed.WithLabels({"exit_nonzero"}).Inc(1);

  JsonAnswer overview = Get("/api/overview");
  ASSERT_EQ(overview.status, 200) << overview.body;
  EXPECT_EQ(Field(overview.json, "requests_total").number_value(), 12);
  EXPECT_EQ(Field(overview.json, "cache_hits_total").number_value(), 3);
  EXPECT_EQ(Field(overview.json, "cache_misses_total").number_value(), 1);
  EXPECT_EQ(Field(overview.json, "actions_total").number_value(), 5);
  EXPECT_EQ(Field(overview.json, "actions_failed_total").number_value(), 1);
  EXPECT_EQ(Field(overview.json, "cas_capacity_bytes").number_value(), 1000);
  // Not in this registry: unknown, not zero. The queue comes from the scheduler then.
  EXPECT_TRUE(Field(overview.json, "cas_stored_bytes").has_null_value());
  EXPECT_EQ(Field(overview.json, "queued").number_value(), 0);

  // Start took a sample before these families existed (no rates from it); then one now,
  // and one ten seconds and 20 calls later.
  ui_->Sample();
  clock_.Advance(std::chrono::seconds(10));
  calls.WithLabels({"OK"}).Inc(20);
  ui_->Sample();
  JsonAnswer history = Get("/api/history");
  const auto& points = Field(history.json, "points").list_value();
  ASSERT_EQ(points.values_size(), 3) << history.body;
  EXPECT_TRUE(Field(points.values(0), "requests_per_second").has_null_value());
  EXPECT_TRUE(Field(points.values(1), "requests_per_second").has_null_value());
  EXPECT_DOUBLE_EQ(Field(points.values(2), "requests_per_second").number_value(), 2.0);
  EXPECT_DOUBLE_EQ(Field(points.values(2), "actions_per_second").number_value(), 0.0);
}

TEST(OverviewHistoryTest, KeepsTheLastSamplesOnly) {
  OverviewHistory history(3);
  for (int i = 0; i < 5; ++i) history.Add(OverviewSample{.unix_ms = i});
  const std::vector<OverviewSample> samples = history.Samples();
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples.front().unix_ms, 2);
  EXPECT_EQ(samples.back().unix_ms, 4);
}

}  // namespace
}  // namespace kiln
