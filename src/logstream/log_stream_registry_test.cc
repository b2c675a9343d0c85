#include "logstream/log_stream_registry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "logstream/logstream_name.h"

namespace kiln {
namespace {

LogStreamOptions SmallOptions() {
  LogStreamOptions options;
  options.max_stream_bytes = 1024;
  options.max_live_streams = 3;
  options.retention = std::chrono::minutes(10);
  options.abandoned_after = std::chrono::hours(1);
  return options;
}

std::string ReadAll(const LogStream& stream, int64_t offset = 0) { return stream.Read(offset, 1 << 20).data; }

TEST(LogStreamRegistryTest, CreateGivesReadNameAndSecretWriteName) {
  FakeClock clock;
  LogStreamRegistry registry(&clock, SmallOptions());
  auto a = registry.Create("inst");
  auto b = registry.Create("inst");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->read_name.rfind("inst/logstreams/", 0), 0u);
  auto parsed = ParseLogStreamName(a->write_name);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->read_name, a->read_name);
  EXPECT_GE(parsed->write_token.size(), 32u);  // 128 random bits.
  EXPECT_NE(a->read_name, b->read_name);
  EXPECT_NE(ParseLogStreamName(b->write_name)->write_token, parsed->write_token);
}

TEST(LogStreamRegistryTest, AFarmFrontendsStreamsNameIt) {
  FakeClock clock;
  LogStreamOptions options = SmallOptions();
  options.holder = "00c0ffee";
  LogStreamRegistry registry(&clock, options);
  auto created = registry.Create("inst");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(LogStreamHolderOf(created->read_name), "00c0ffee");
  EXPECT_TRUE(registry.OpenForRead(created->read_name).ok());
  EXPECT_TRUE(registry.Append(created->write_name, 0, "x").ok());

  LogStreamRegistry alone(&clock, SmallOptions());
  auto own = alone.Create("inst");
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(LogStreamHolderOf(own->read_name), "");
}

TEST(LogStreamRegistryTest, AppendsAccumulateAndFinalizeEnds) {
  FakeClock clock;
  LogStreamRegistry registry(&clock, SmallOptions());
  auto names = *registry.Create("");
  ASSERT_TRUE(registry.Append(names.write_name, 0, "hello ").ok());
  ASSERT_TRUE(registry.Append(names.write_name, 6, "world").ok());
  auto stream = registry.OpenForRead(names.read_name);
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(ReadAll(**stream), "hello world");
  EXPECT_EQ(ReadAll(**stream, 6), "world");
  EXPECT_FALSE((*stream)->Read(0, 10).finalized);
  EXPECT_EQ(registry.QueryWrite(names.write_name)->committed_size, 11);

  ASSERT_TRUE(registry.Finalize(names.write_name).ok());
  ASSERT_TRUE(registry.Finalize(names.write_name).ok());  // Idempotent.
  EXPECT_TRUE((*stream)->Read(0, 10).finalized);
  EXPECT_TRUE(registry.QueryWrite(names.write_name)->finalized);
  Status late = registry.Append(names.write_name, 11, "more");
  EXPECT_EQ(late.code(), StatusCode::kFailedPrecondition);
}

TEST(LogStreamRegistryTest, OffsetsMustContinue) {
  FakeClock clock;
  LogStreamRegistry registry(&clock, SmallOptions());
  auto names = *registry.Create("");
  ASSERT_TRUE(registry.Append(names.write_name, 0, "abc").ok());
  Status gap = registry.Append(names.write_name, 5, "x");
  EXPECT_EQ(gap.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(gap.message().find("committed size is 3"), std::string::npos);
  EXPECT_EQ(registry.Append(names.write_name, 1, "x").code(), StatusCode::kInvalidArgument);
}

TEST(LogStreamRegistryTest, WrongNamesAreRefused) {
  FakeClock clock;
  LogStreamRegistry registry(&clock, SmallOptions());
  auto names = *registry.Create("p");
  EXPECT_EQ(registry.Append(names.read_name, 0, "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Append(names.read_name + "/guess", 0, "x").code(), StatusCode::kNotFound);
  EXPECT_EQ(registry.OpenForRead(names.write_name).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.OpenForRead("p/logstreams/nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(registry.Create("a/logstreams").status().code(), StatusCode::kInvalidArgument);
}

TEST(LogStreamRegistryTest, WaitersWakeOnDataOrFinalize) {
  FakeClock clock;
  LogStreamRegistry registry(&clock, SmallOptions());
  auto names = *registry.Create("");
  auto stream = *registry.OpenForRead(names.read_name);
  int woken = 0;
  stream->WhenReadable(0, [&] { ++woken; });
  EXPECT_EQ(woken, 0);
  ASSERT_TRUE(registry.Append(names.write_name, 0, "a").ok());
  EXPECT_EQ(woken, 1);
  ASSERT_TRUE(registry.Append(names.write_name, 1, "b").ok());
  EXPECT_EQ(woken, 1);  // One-shot.
  EXPECT_EQ(stream->WhenReadable(0, [&] { woken += 100; }), 0u);  // Readable now: not called.
  EXPECT_EQ(woken, 1);
  EXPECT_NE(stream->WhenReadable(2, [&] { ++woken; }), 0u);
  auto cancelled = stream->WhenReadable(2, [&] { woken += 100; });
  stream->CancelWait(cancelled);
  ASSERT_TRUE(registry.Finalize(names.write_name).ok());
  EXPECT_EQ(woken, 2);
  EXPECT_EQ(stream->WhenReadable(2, [&] { woken += 100; }), 0u);  // Finalized: nothing to wait for.
}

TEST(LogStreamRegistryTest, StoredBytesAreCappedWithANotice) {
  FakeClock clock;
  LogStreamRegistry registry(&clock, SmallOptions());
  auto names = *registry.Create("");
  const std::string big(1000, 'x');
  ASSERT_TRUE(registry.Append(names.write_name, 0, big).ok());
  ASSERT_TRUE(registry.Append(names.write_name, 1000, big).ok());
  ASSERT_TRUE(registry.Append(names.write_name, 2000, big).ok());  // Accepted, not stored.
  EXPECT_EQ(registry.QueryWrite(names.write_name)->committed_size, 3000);
  const std::string seen = ReadAll(**registry.OpenForRead(names.read_name));
  EXPECT_EQ(seen.substr(0, 1024), std::string(1024, 'x'));
  EXPECT_NE(seen.find("live output cut after 1024 bytes"), std::string::npos);
  EXPECT_LT(seen.size(), 1200u);
}

TEST(LogStreamRegistryTest, LiveStreamsAreBounded) {
  FakeClock clock;
  LogStreamRegistry registry(&clock, SmallOptions());
  std::vector<LogStreamNames> live;
  for (int i = 0; i < 3; ++i) live.push_back(*registry.Create(""));
  EXPECT_EQ(registry.Create("").status().code(), StatusCode::kResourceExhausted);
  ASSERT_TRUE(registry.Finalize(live[0].write_name).ok());
  EXPECT_EQ(registry.live_count(), 2u);
  EXPECT_TRUE(registry.Create("").ok());
}

TEST(LogStreamRegistryTest, FinalizedStreamsExpireAfterRetention) {
  FakeClock clock;
  LogStreamRegistry registry(&clock, SmallOptions());
  auto done = *registry.Create("");
  auto live = *registry.Create("");
  ASSERT_TRUE(registry.Finalize(done.write_name).ok());
  clock.Advance(std::chrono::minutes(9));
  registry.Tick();
  EXPECT_TRUE(registry.OpenForRead(done.read_name).ok());
  clock.Advance(std::chrono::minutes(2));
  registry.Tick();
  EXPECT_EQ(registry.OpenForRead(done.read_name).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(registry.QueryWrite(done.write_name).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(registry.OpenForRead(live.read_name).ok());  // Live streams are kept.
}

TEST(LogStreamRegistryTest, FinalizedStreamsBeyondTheCountGoEarliestFirst) {
  FakeClock clock;
  LogStreamOptions options = SmallOptions();
  options.max_finalized_streams = 2;
  LogStreamRegistry registry(&clock, options);
  std::vector<LogStreamNames> names;
  for (int i = 0; i < 3; ++i) {
    names.push_back(*registry.Create(""));
    ASSERT_TRUE(registry.Finalize(names.back().write_name).ok());
    clock.Advance(std::chrono::seconds(1));
  }
  auto live = *registry.Create("");
  EXPECT_EQ(registry.OpenForRead(names[0].read_name).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(registry.OpenForRead(names[1].read_name).ok());
  EXPECT_TRUE(registry.OpenForRead(names[2].read_name).ok());
  EXPECT_TRUE(registry.OpenForRead(live.read_name).ok());
  EXPECT_EQ(registry.stream_count(), 3u);
}

TEST(LogStreamRegistryTest, FinalizedStreamsBeyondTheByteBudgetGoEarliestFirst) {
  FakeClock clock;
  LogStreamOptions options = SmallOptions();
  options.max_finalized_bytes = 250;
  LogStreamRegistry registry(&clock, options);
  auto first = *registry.Create("");
  auto second = *registry.Create("");
  auto empty = *registry.Create("");
  ASSERT_TRUE(registry.Append(first.write_name, 0, std::string(100, 'a')).ok());
  ASSERT_TRUE(registry.Append(second.write_name, 0, std::string(200, 'b')).ok());
  ASSERT_TRUE(registry.Finalize(first.write_name).ok());
  ASSERT_TRUE(registry.Finalize(empty.write_name).ok());
  EXPECT_TRUE(registry.OpenForRead(first.read_name).ok());  // 100 bytes kept: within budget.
  ASSERT_TRUE(registry.Finalize(second.write_name).ok());    // 300: the first must go.
  EXPECT_EQ(registry.OpenForRead(first.read_name).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(registry.OpenForRead(empty.read_name).ok());
  EXPECT_EQ(ReadAll(**registry.OpenForRead(second.read_name)), std::string(200, 'b'));
  // Expiry by time still works, and keeps the byte count right: a new stream fits again.
  clock.Advance(std::chrono::minutes(11));
  registry.Tick();
  EXPECT_EQ(registry.stream_count(), 0u);
  auto later = *registry.Create("");
  ASSERT_TRUE(registry.Append(later.write_name, 0, std::string(240, 'c')).ok());
  ASSERT_TRUE(registry.Finalize(later.write_name).ok());
  EXPECT_TRUE(registry.OpenForRead(later.read_name).ok());
}

TEST(LogStreamRegistryTest, AbandonedLiveStreamsAreFinalizedThenExpire) {
  FakeClock clock;
  LogStreamRegistry registry(&clock, SmallOptions());
  auto names = *registry.Create("");
  auto stream = *registry.OpenForRead(names.read_name);
  bool woken = false;
  stream->WhenReadable(0, [&] { woken = true; });
  clock.Advance(std::chrono::minutes(59));
  registry.Tick();
  EXPECT_FALSE(woken);
  clock.Advance(std::chrono::minutes(2));
  registry.Tick();
  EXPECT_TRUE(woken);
  EXPECT_EQ(registry.live_count(), 0u);
  clock.Advance(std::chrono::minutes(11));
  registry.Tick();
  EXPECT_EQ(registry.stream_count(), 0u);
}

TEST(LogStreamRegistryTest, ServerOwnedStreamsAreNeverAbandoned) {
  FakeClock clock;
  LogStreamRegistry registry(&clock, SmallOptions());
  auto quiet = *registry.Create("", LogStreamOwner::kServer);  // A long, silent action.
  clock.Advance(std::chrono::hours(5));
  registry.Tick();
  EXPECT_EQ(registry.live_count(), 1u);
  EXPECT_TRUE(registry.Append(quiet.write_name, 0, "finally").ok());
}

// All live streams together draw from one budget: four 8 MiB streams at their cap would be
// 32 MiB, but the server lets them hold 2,500 bytes in all; finalizing gives bytes back.
TEST(LogStreamRegistryTest, LiveStreamsShareOneMemoryBudget) {
  FakeClock clock;
  LogStreamOptions options = SmallOptions();
  options.max_live_bytes = 2500;
  LogStreamRegistry registry(&clock, options);
  const std::string kilobyte(1000, 'x');
  std::vector<LogStreamNames> streams;
  for (int i = 0; i < 3; ++i) {
    streams.push_back(*registry.Create(""));
    ASSERT_TRUE(registry.Append(streams.back().write_name, 0, kilobyte).ok());
  }
  // The third got 500 bytes and a notice naming the flag; its writer was not refused.
  const std::string third = ReadAll(**registry.OpenForRead(streams[2].read_name));
  EXPECT_EQ(third.substr(0, 500), std::string(500, 'x'));
  EXPECT_NE(third.find("--max-live-log-bytes"), std::string::npos) << third;
  EXPECT_EQ(registry.QueryWrite(streams[2].write_name)->committed_size, 1000);

  ASSERT_TRUE(registry.Finalize(streams[0].write_name).ok());
  auto next = *registry.Create("");
  ASSERT_TRUE(registry.Append(next.write_name, 0, kilobyte).ok());
  EXPECT_EQ(ReadAll(**registry.OpenForRead(next.read_name)), kilobyte) << "the finalized stream's bytes came back";
}

TEST(LogStreamRegistryTest, OneConnectionHasABoundedNumberOfLiveStreams) {
  FakeClock clock;
  LogStreamOptions options = SmallOptions();
  options.max_live_streams = 100;
  options.max_live_streams_per_creator = 2;
  LogStreamRegistry registry(&clock, options);
  auto first = *registry.Create("", LogStreamOwner::kClient, "ipv4:127.0.0.1:1000");
  ASSERT_TRUE(registry.Create("", LogStreamOwner::kClient, "ipv4:127.0.0.1:1000").ok());
  auto refused = registry.Create("", LogStreamOwner::kClient, "ipv4:127.0.0.1:1000");
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("--max-log-streams-per-connection"), std::string::npos);
  // Other connections and the server's own streams are not affected.
  EXPECT_TRUE(registry.Create("", LogStreamOwner::kClient, "ipv4:127.0.0.1:2000").ok());
  EXPECT_TRUE(registry.Create("", LogStreamOwner::kServer).ok());
  // Finishing one makes room again.
  ASSERT_TRUE(registry.Finalize(first.write_name).ok());
  EXPECT_TRUE(registry.Create("", LogStreamOwner::kClient, "ipv4:127.0.0.1:1000").ok());
}

}  // namespace
}  // namespace kiln
