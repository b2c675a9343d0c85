// /metrics of a live server after a mixed workload: uploads, action cache misses and hits,
// an executed action. `promtool check metrics` (Debian's prometheus) must accept the page
// and the expected series must hold the workload's counts; then a real Prometheus server
// scrapes it and a PromQL query through its HTTP API returns kiln's request count.
//
// The server runs in this process (KilnServer) with the HTTP server over the same router
// `kiln serve` uses, until --http-listen lands in kiln serve; the gRPC side is the real one.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <thread>

#include "auth/request_authorizer.h"
#include "child_process.h"
#include "execution_util.h"
#include "http_fetch.h"
#include "http/http_server.h"
#include "kiln_process.h"
#include "server/kiln_server.h"
#include "server/metrics_route.h"

namespace kiln_test {
namespace {

// GET `url`; the body, or "" with *status 0 if there was no answer.
std::string HttpGet(const std::string& url, long* status) {
  HttpReply reply = Fetch({"GET", url});
  *status = reply.status;
  return reply.body;
}

// The value of the sample line starting with `series` (name and labels exactly), or -1.
double SampleValue(const std::string& page, const std::string& series) {
  const size_t at = page.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(page.substr(at + series.size() + 2));
}

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool IsExecutable(const char* path) { return ::access(path, X_OK) == 0; }

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kiln::ServerOptions options;
    options.data_dir = data_dir_.path();
    options.listen = "127.0.0.1:0";
    options.workers = 1;
    auto server = kiln::KilnServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    ASSERT_NE(server_->metrics(), nullptr);
    kiln::AddMetricsRoute(router_, server_->metrics());
    kiln::HttpServerOptions http_options;
    http_options.listen = "127.0.0.1:0";
    http_options.threads = 2;
    auto http = kiln::HttpServer::Start(http_options, &router_);
    ASSERT_TRUE(http.ok()) << http.status().ToString();
    http_ = std::move(http).value();
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials());
    cas_ = reapi::ContentAddressableStorage::NewStub(channel_);
    action_cache_ = reapi::ActionCache::NewStub(channel_);
  }
  void TearDown() override {
    http_.reset();
    if (server_) server_->Shutdown(std::chrono::seconds(1));
  }

  std::string MetricsUrl() const { return "http://127.0.0.1:" + std::to_string(http_->port()) + "/metrics"; }

  // Uploads, three FindMissingBlobs, a GetActionResult miss, an executed action, then a
  // cache hit by GetActionResult and one by Execute.
  void RunMixedWorkload() {
    const reapi::Digest blob = Upload(*cas_, "some source file");
    for (int i = 0; i < 3; ++i) {
      reapi::FindMissingBlobsRequest request;
      *request.add_blob_digests() = blob;
      reapi::FindMissingBlobsResponse response;
      grpc::ClientContext context;
      ASSERT_TRUE(cas_->FindMissingBlobs(&context, request, &response).ok());
    }
    ActionSpec spec;
    spec.arguments = {"/bin/sh", "-c", "echo built > out.txt"};
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    spec.output_paths = {"out.txt"};
    const reapi::Digest action = UploadAction(*cas_, spec);
    reapi::GetActionResultRequest lookup;
    *lookup.mutable_action_digest() = action;
    reapi::ActionResult result;
    {
      grpc::ClientContext context;
      EXPECT_EQ(action_cache_->GetActionResult(&context, lookup, &result).error_code(), grpc::StatusCode::NOT_FOUND);
    }
    ExecuteResult run = Execute(channel_, action);
    ASSERT_TRUE(run.status.ok()) << Describe(run.status);
    ASSERT_EQ(run.response.result().exit_code(), 0);
    {
      grpc::ClientContext context;
      EXPECT_TRUE(action_cache_->GetActionResult(&context, lookup, &result).ok());
    }
    EXPECT_TRUE(Execute(channel_, action).response.cached_result());
  }

  TempDir data_dir_;
  std::unique_ptr<kiln::KilnServer> server_;
  kiln::RequestAuthorizer authorizer_{nullptr, nullptr};
  kiln::HttpRouter router_{&authorizer_};
  std::unique_ptr<kiln::HttpServer> http_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<reapi::ContentAddressableStorage::Stub> cas_;
  std::unique_ptr<reapi::ActionCache::Stub> action_cache_;
};

TEST_F(MetricsTest, PromtoolAcceptsThePageAndTheSeriesCountTheWorkload) {
  RunMixedWorkload();
  long status = 0;
  const std::string page = HttpGet(MetricsUrl(), &status);
  ASSERT_EQ(status, 200);

  if (IsExecutable("/usr/bin/promtool")) {
    const std::string file = data_dir_.path() + "/metrics.txt";
    std::ofstream(file) << page;
    FILE* check = ::popen(("/usr/bin/promtool check metrics < " + file + " 2>&1").c_str(), "r");
    std::string said;
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof(buffer), check)) said.append(buffer, n);
    EXPECT_EQ(::pclose(check), 0) << "promtool check metrics:\n" << said << "\nthe page:\n" << page;
    EXPECT_EQ(said, "") << "promtool's lint findings";
  } else {
    std::cerr << "promtool not installed (Debian package prometheus): format check skipped\n";
  }

  const std::string cas_service = "grpc_service=\"build.bazel.remote.execution.v2.ContentAddressableStorage\"";
  const std::string ac_service = "grpc_service=\"build.bazel.remote.execution.v2.ActionCache\"";
  EXPECT_EQ(SampleValue(page, "kiln_grpc_server_handled_total{" + cas_service +
                                  ",grpc_method=\"FindMissingBlobs\",grpc_code=\"OK\"}"), 3) << page;
  EXPECT_EQ(SampleValue(page, "kiln_grpc_server_handling_seconds_count{" + cas_service +
                                  ",grpc_method=\"FindMissingBlobs\",grpc_code=\"OK\"}"), 3);
  EXPECT_EQ(SampleValue(page, "kiln_grpc_server_handled_total{" + ac_service +
                                  ",grpc_method=\"GetActionResult\",grpc_code=\"NOT_FOUND\"}"), 1);
  EXPECT_EQ(SampleValue(page, "kiln_grpc_server_handled_total{" + ac_service +
                                  ",grpc_method=\"GetActionResult\",grpc_code=\"OK\"}"), 1);
  // Misses: GetActionResult's and Execute's first lookup; hits: GetActionResult's and the
  // second Execute's.
  EXPECT_EQ(SampleValue(page, "kiln_action_cache_lookups_total{result=\"miss\"}"), 2);
  EXPECT_EQ(SampleValue(page, "kiln_action_cache_lookups_total{result=\"hit\"}"), 2);
  EXPECT_EQ(SampleValue(page, "kiln_action_cache_updates_total{result=\"ok\"}"), 1);
  EXPECT_EQ(SampleValue(page, "kiln_action_cache_incomplete_results_total"), 0);
  EXPECT_EQ(SampleValue(page, "kiln_actions_executed_total{outcome=\"success\"}"), 1);
  for (const char* phase : {"queued", "input_staging", "execution", "output_upload"}) {
    EXPECT_EQ(SampleValue(page, std::string("kiln_action_phase_seconds_count{phase=\"") + phase +
                                    "\",outcome=\"success\"}"), 1) << phase;
  }
  EXPECT_GE(SampleValue(page, "kiln_cas_writes_total{size_class=\"0-4KiB\"}"), 3);  // Blob, Command, Action.
  EXPECT_GE(SampleValue(page, "kiln_cas_stored_blobs"), 4);  // And the outputs.
  EXPECT_EQ(SampleValue(page, "kiln_scheduler_workers"), 1);
  EXPECT_EQ(SampleValue(page, "kiln_scheduler_busy_slots"), 0);
  EXPECT_GT(SampleValue(page, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(SampleValue(page, "process_open_fds"), 3);
  EXPECT_GT(SampleValue(page, "process_threads"), 1);
}

TEST_F(MetricsTest, PrometheusScrapesKilnAndAnswersItsRequestCount) {
  if (!IsExecutable("/usr/bin/prometheus")) GTEST_SKIP() << "prometheus not installed (Debian package prometheus)";
  RunMixedWorkload();
  TempDir prometheus_dir;
  const std::string config = prometheus_dir.path() + "/prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                        << "scrape_configs:\n  - job_name: kiln\n    static_configs:\n"
                        << "      - targets: ['127.0.0.1:" << http_->port() << "']\n";
  const int port = FreeLoopbackPort();
  std::string error;
  auto prometheus = ChildProcess::Spawn(
      {"/usr/bin/prometheus", "--config.file=" + config, "--storage.tsdb.path=" + prometheus_dir.path() + "/data",
       "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
      &error);
  ASSERT_NE(prometheus, nullptr) << error;

  const std::string query = "sum(kiln_grpc_server_handled_total{grpc_method=\"FindMissingBlobs\"})";
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/api/v1/query?query=" + UrlEncode(query);
  const std::regex value(R"re("value":\[[0-9.]+,"([0-9.]+)"\])re");
  std::string answer;
  std::smatch match;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    long status = 0;
    answer = HttpGet(url, &status);
    if (status == 200 && std::regex_search(answer, match, value)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_FALSE(match.empty()) << "no answer from Prometheus within 30 s; last: " << answer;
  EXPECT_EQ(match[1].str(), "3") << answer;
  prometheus->Stop(SIGTERM, 5'000);
}

}  // namespace
}  // namespace kiln_test
