// The web UI in a real browser: a `kiln serve` with a finished action (which failed) and a
// running one that has printed a line and sleeps; headless Chromium loads every page and
// the test checks the rendered DOM: both operations listed, the running action's live
// output on its page while it runs, the finished one's output and Command, a Directory
// page linking its children, the workers page showing what runs. Screenshots of the
// overview and the operation page go to the build directory (build/webui-screenshots/).
#include <filesystem>
#include <future>
#include <map>
#include <semaphore>

#include "execution_util.h"
#include "headless_chromium.h"

namespace kiln_test {
namespace {

constexpr char kSlowScript[] = "echo live-line-1; echo live-err >&2; sleep 30; echo never-printed-yet";
// Enough virtual time for a page's first polls (the log's every second).
constexpr int kBudgetMs = 4000;
// Browsers at once. Each holds two or three of the HTTP server's connections, and each of
// those a server thread (16 by default) until the browser exits or the connection has been
// idle for 10 s: more browsers than the threads can serve would wait for one another.
constexpr int kBrowsersAtOnce = 3;

class WebUiBrowserTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "2"}; }

  void SetUp() override {
    std::optional<std::string> chromium = HeadlessChromium::Find();
    if (!chromium) GTEST_SKIP() << "chromium is not installed (Debian package chromium): the browser test is skipped";
    KilnServerTest::SetUp();
    ASSERT_GT(server().http_port(), 0) << server().stdout_text();
    base_url_ = "http://127.0.0.1:" + std::to_string(server().http_port());
    browser_ = std::make_unique<HeadlessChromium>(*chromium, profiles_.path());
    screenshots_ = std::filesystem::path(KILN_BINARY).parent_path() / "webui-screenshots";
    std::filesystem::create_directories(screenshots_);
  }

  std::string Page(const std::string& path) {
    std::string error;
    browsers_.acquire();
    std::string dom = browser_->DumpDom(base_url_ + path, kBudgetMs, &error);
    browsers_.release();
    EXPECT_FALSE(dom.empty()) << path << ": " << error;
    return dom;
  }

  void Screenshot(const std::string& path, const std::string& file) {
    std::string error;
    browsers_.acquire();
    const bool saved = browser_->Screenshot(base_url_ + path, (screenshots_ / file).string(), 1200, 900, kBudgetMs, &error);
    browsers_.release();
    EXPECT_TRUE(saved) << error;
  }

  // "sha256/HASH/SIZE", as blob pages are addressed.
  static std::string BlobPath(const reapi::Digest& digest) {
    return "sha256/" + digest.hash() + "/" + std::to_string(digest.size_bytes());
  }

  TempDir profiles_;
  std::string base_url_;
  std::unique_ptr<HeadlessChromium> browser_;
  std::filesystem::path screenshots_;
  std::counting_semaphore<kBrowsersAtOnce> browsers_{kBrowsersAtOnce};
};

bool HasStreams(const reapi::ExecuteOperationMetadata& metadata) {
  return metadata.stage() == reapi::ExecutionStage::EXECUTING && !metadata.stdout_stream_name().empty();
}

// The text inside the element with `id` (up to its first child's end: the log panes hold
// text only).
std::string ElementText(const std::string& dom, const std::string& id) {
  const size_t tag = dom.find("id=\"" + id + "\"");
  if (tag == std::string::npos) return "";
  const size_t start = dom.find('>', tag) + 1;
  return dom.substr(start, dom.find('<', start) - start);
}

// The id part of "operations/ID" as the lists show it (its first 16 characters).
std::string ShortName(const std::string& name) { return name.substr(std::string("operations/").size(), 16); }

TEST_F(WebUiBrowserTest, EveryPageRendersTheServersOperations) {
  ActionSpec finished_spec;
  finished_spec.arguments = {"/bin/sh", "-c", "echo finished-output; echo finished-err >&2; exit 3"};
  finished_spec.environment = {{"PATH", "/usr/bin:/bin"}};
  ExecuteResult finished = Execute(server().channel(), UploadAction(cas(), finished_spec));
  ASSERT_TRUE(finished.status.ok()) << Describe(finished.status);
  ASSERT_EQ(finished.response.result().exit_code(), 3);
  const std::string finished_name = finished.updates.back().name();

  // The running action's input root: a file and a subdirectory, for the Directory page.
  reapi::Directory sub;
  auto* inner = sub.add_files();
  inner->set_name("inner.txt");
  *inner->mutable_digest() = Upload(cas(), "inner\n");
  ActionSpec slow_spec;
  slow_spec.arguments = {"/bin/sh", "-c", kSlowScript};
  slow_spec.environment = {{"PATH", "/usr/bin:/bin"}};
  auto* hello = slow_spec.input_root.add_files();
  hello->set_name("hello.txt");
  *hello->mutable_digest() = Upload(cas(), "hello\n");
  const reapi::Digest sub_digest = Upload(cas(), sub.SerializeAsString());
  auto* child = slow_spec.input_root.add_directories();
  child->set_name("sub");
  *child->mutable_digest() = sub_digest;
  const reapi::Digest root_digest = Upload(cas(), slow_spec.input_root.SerializeAsString());
  ExecutionStream running(server().channel(), UploadAction(cas(), slow_spec));
  ASSERT_TRUE(running.WaitForMetadata(HasStreams, std::chrono::seconds(30)));
  const std::string running_name = running.Name();

  // Every page at once, and the screenshots: a browser's start-up is most of a run's time,
  // and mostly waiting.
  const std::string directory_page = "/blob/" + BlobPath(root_digest) + "?type=Directory";
  const std::string subdirectory_page = "/blob/" + BlobPath(sub_digest) + "?type=Directory";
  std::map<std::string, std::future<std::string>> loads;
  auto overview_shot = std::async(std::launch::async, [this] { Screenshot("/", "overview.png"); });
  auto operation_shot =
      std::async(std::launch::async, [this, running_name] { Screenshot("/" + running_name, "operation.png"); });
  for (const std::string& path : {std::string("/"), std::string("/operations"), "/" + running_name, "/" + finished_name,
                                  directory_page, subdirectory_page, std::string("/workers")}) {
    loads[path] = std::async(std::launch::async, [this, path] { return Page(path); });
  }
  std::map<std::string, std::string> pages;
  for (auto& [path, load] : loads) pages[path] = load.get();

  const std::string& overview = pages["/"];
  EXPECT_NE(overview.find("id=\"card-queue\""), std::string::npos) << overview;
  EXPECT_NE(overview.find("Cache hit ratio"), std::string::npos);
  EXPECT_NE(overview.find("<svg class=\"chart\""), std::string::npos) << "no chart drawn";
  EXPECT_NE(overview.find(ShortName(finished_name)), std::string::npos) << "the failure is not among recent failures";

  const std::string& list = pages["/operations"];
  EXPECT_NE(list.find(ShortName(running_name)), std::string::npos) << list;
  EXPECT_NE(list.find(ShortName(finished_name)), std::string::npos) << list;
  EXPECT_NE(list.find(">executing<"), std::string::npos);
  EXPECT_NE(list.find(">exit 3<"), std::string::npos);

  // The running action's page shows what it printed so far, while it still runs.
  const std::string& live = pages["/" + running_name];
  EXPECT_EQ(ElementText(live, "stdout"), "live-line-1\n") << live;
  EXPECT_EQ(ElementText(live, "stderr"), "live-err\n");
  EXPECT_FALSE(running.done()) << "the action ended before the page was read";
  EXPECT_NE(live.find("sleep 30"), std::string::npos) << "the Command's arguments are not shown";
  EXPECT_NE(live.find("class=\"chart phases\""), std::string::npos) << "no phase chart";

  const std::string& done = pages["/" + finished_name];
  EXPECT_EQ(ElementText(done, "stdout"), "finished-output\n") << done;
  EXPECT_EQ(ElementText(done, "stderr"), "finished-err\n");
  EXPECT_NE(done.find("PATH"), std::string::npos) << "the Command's environment is not shown";

  const std::string& directory = pages[directory_page];
  EXPECT_NE(directory.find("href=\"/blob/" + BlobPath(sub_digest) + "?type=Directory\""), std::string::npos) << directory;
  EXPECT_NE(directory.find(">hello.txt<"), std::string::npos);
  EXPECT_NE(directory.find(">sub/<"), std::string::npos);
  const std::string& subdirectory = pages[subdirectory_page];
  EXPECT_NE(subdirectory.find(">inner.txt<"), std::string::npos) << subdirectory;

  const std::string& workers = pages["/workers"];
  EXPECT_NE(workers.find(ShortName(running_name)), std::string::npos) << "the workers page does not show what runs";
  EXPECT_NE(workers.find(">Drain<"), std::string::npos);

  overview_shot.get();
  operation_shot.get();
}

}  // namespace
}  // namespace kiln_test
