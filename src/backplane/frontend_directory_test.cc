#include "backplane/frontend_directory.h"

#include <gtest/gtest.h>

#include <thread>

#include "logstream/logstream_name.h"
#include "testing/redis_backplane_for_tests.h"

namespace kiln {
namespace {

using testing_support::RedisBackplaneForTests;

FrontendDirectoryOptions OptionsFor(const std::string& key_namespace) {
  FrontendDirectoryOptions options;
  options.key_namespace = key_namespace;
  options.refresh_interval = std::chrono::milliseconds(250);
  return options;
}

std::unique_ptr<FrontendDirectory> JoinAs(const std::string& key_namespace, const Clock* clock, const std::string& id,
                                          const std::string& target) {
  auto directory =
      std::make_unique<FrontendDirectory>(&RedisBackplaneForTests::Get().client(), clock, OptionsFor(key_namespace), id);
  Status joined = directory->Join(target);
  EXPECT_TRUE(joined.ok()) << joined.ToString();
  return directory;
}

std::string StreamOf(const std::string& holder) { return MakeLogStreamReadName("inst", MakeLogStreamId(holder, "77")); }

TEST(FrontendDirectoryTest, EachFrontendFindsTheOthersStreams) {
  SystemClock* clock = SystemClock::Get();
  auto a = JoinAs("directory-find", clock, "aa01", "grpc://127.0.0.1:1001");
  auto b = JoinAs("directory-find", clock, "bb02", "grpcs://127.0.0.2:1002");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->HolderTarget(StreamOf("bb02")).value(), "grpcs://127.0.0.2:1002");
  EXPECT_EQ(b->HolderTarget(StreamOf("aa01")).value(), "grpc://127.0.0.1:1001");
  // Its own streams and streams that name no holder are never relayed.
  EXPECT_EQ(a->HolderTarget(StreamOf("aa01")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(a->HolderTarget("inst/logstreams/77").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(a->HolderTarget("inst/blobs/aa-01/2").status().code(), StatusCode::kNotFound);
  // Another farm's frontend of the same id is not this farm's.
  auto other_farm = JoinAs("directory-other", clock, "cc03", "grpc://127.0.0.1:1003");
  ASSERT_TRUE(other_farm);
  EXPECT_EQ(a->HolderTarget(StreamOf("cc03")).status().code(), StatusCode::kNotFound);
}

TEST(FrontendDirectoryTest, AFrontendThatLeftIsGoneAtOnce) {
  auto a = JoinAs("directory-leave", SystemClock::Get(), "aa01", "grpc://127.0.0.1:1001");
  auto b = JoinAs("directory-leave", SystemClock::Get(), "bb02", "grpc://127.0.0.1:1002");
  ASSERT_TRUE(a && b);
  b.reset();
  auto gone = a->HolderTarget(StreamOf("bb02"));
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find("left the farm"), std::string::npos) << gone.status().message();
}

TEST(FrontendDirectoryTest, AnEntryLivesWhileRefreshedAndLapsesWithoutIt) {
  FakeClock clock;
  auto a = JoinAs("directory-lapse", SystemClock::Get(), "aa01", "grpc://127.0.0.1:1001");
  auto b = JoinAs("directory-lapse", &clock, "bb02", "grpc://127.0.0.1:1002");
  ASSERT_TRUE(a && b);
  // Redis expires the entry after four intervals (1 s here) unless b refreshes it; b's
  // clock says when it is due.
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    clock.Advance(std::chrono::milliseconds(250));
    b->Tick();
  }
  EXPECT_TRUE(a->HolderTarget(StreamOf("bb02")).ok()) << "refreshed for 2 s, past its first expiry";
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // b stops refreshing.
  EXPECT_EQ(a->HolderTarget(StreamOf("bb02")).status().code(), StatusCode::kNotFound);
  clock.Advance(std::chrono::milliseconds(250));
  b->Tick();  // Back at its next refresh (as after Redis lost its keys).
  EXPECT_TRUE(a->HolderTarget(StreamOf("bb02")).ok());
}

TEST(FrontendDirectoryTest, NothingIsAnnouncedBeforeJoining) {
  auto a = JoinAs("directory-join", SystemClock::Get(), "aa01", "grpc://127.0.0.1:1001");
  FakeClock clock;
  FrontendDirectory b(&RedisBackplaneForTests::Get().client(), &clock, OptionsFor("directory-join"), "bb02");
  clock.Advance(std::chrono::seconds(10));
  b.Tick();
  EXPECT_EQ(a->HolderTarget(StreamOf("bb02")).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(b.Join("grpc://127.0.0.1:1002").ok());
  EXPECT_EQ(a->HolderTarget(StreamOf("bb02")).value(), "grpc://127.0.0.1:1002");
}

}  // namespace
}  // namespace kiln
