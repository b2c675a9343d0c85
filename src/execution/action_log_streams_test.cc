#include "execution/action_log_streams.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(ActionLogStreamsTest, CreatesTwoStreamsUnderTheInstanceAndFinalizesThem) {
  FakeClock clock;
  LogStreamRegistry registry(&clock, LogStreamOptions());
  auto streams = CreateActionLogStreams(&registry, "inst");
  ASSERT_TRUE(streams);
  EXPECT_EQ(streams->read_names().stdout_name.rfind("inst/logstreams/", 0), 0u);
  EXPECT_NE(streams->read_names().stdout_name, streams->read_names().stderr_name);
  EXPECT_EQ(registry.live_count(), 2u);
  FinalizeActionLogStreams(registry, *streams);
  FinalizeActionLogStreams(registry, *streams);  // Idempotent.
  EXPECT_EQ(registry.live_count(), 0u);
}

TEST(ActionLogStreamsTest, NoStreamsWithoutARegistryOrWhenItIsFull) {
  EXPECT_FALSE(CreateActionLogStreams(nullptr, ""));
  FakeClock clock;
  LogStreamOptions options;
  options.max_live_streams = 3;
  LogStreamRegistry registry(&clock, options);
  ASSERT_TRUE(CreateActionLogStreams(&registry, ""));
  EXPECT_FALSE(CreateActionLogStreams(&registry, "")) << "only one stream left: no pair";
  EXPECT_EQ(registry.live_count(), 2u) << "the half-made pair must not leak a live stream";
}

TEST(ActionLogStreamsTest, SinkAppendsInOrderAndFinishFinalizes) {
  FakeClock clock;
  LogStreamRegistry registry(&clock, LogStreamOptions());
  auto streams = *CreateActionLogStreams(&registry, "");
  LogStreamSink sink(&registry, streams.stdout_stream.write_name);
  sink.Append("one ");
  sink.Append("two");
  sink.Finish();
  auto stream = *registry.OpenForRead(streams.stdout_stream.read_name);
  LogStream::Slice slice = stream->Read(0, 100);
  EXPECT_EQ(slice.data, "one two");
  EXPECT_TRUE(slice.finalized);
}

}  // namespace
}  // namespace kiln
