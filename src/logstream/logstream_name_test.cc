#include "logstream/logstream_name.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(LogStreamNameTest, ReadAndWriteNamesParse) {
  auto read = ParseLogStreamName("inst/a/logstreams/abc");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->read_name, "inst/a/logstreams/abc");
  EXPECT_FALSE(read->is_write_name());

  auto write = ParseLogStreamName("inst/a/logstreams/abc/token");
  ASSERT_TRUE(write);
  EXPECT_EQ(write->read_name, "inst/a/logstreams/abc");
  EXPECT_EQ(write->write_token, "token");

  auto no_parent = ParseLogStreamName("logstreams/abc");
  ASSERT_TRUE(no_parent);
  EXPECT_EQ(no_parent->read_name, "logstreams/abc");
}

TEST(LogStreamNameTest, CasNamesAreNotLogStreamNames) {
  const std::string hash(64, 'a');
  EXPECT_FALSE(ParseLogStreamName("inst/blobs/" + hash + "/3"));
  EXPECT_FALSE(ParseLogStreamName("inst/uploads/u/blobs/" + hash + "/3/logstreams/x"));
  EXPECT_FALSE(ParseLogStreamName("inst/compressed-blobs/zstd/" + hash + "/3"));
  // An instance called ".../logstreams" still has its CAS names.
  EXPECT_FALSE(ParseLogStreamName("x/logstreams/blobs/" + hash + "/3"));
  EXPECT_FALSE(ParseLogStreamName("inst/logstreams"));
  EXPECT_FALSE(ParseLogStreamName("inst/logstreams/"));
  EXPECT_FALSE(ParseLogStreamName("inst/logstreams/a//"));
}

TEST(LogStreamNameTest, ParentsAreValidated) {
  EXPECT_TRUE(ValidateLogStreamParent("").ok());
  EXPECT_TRUE(ValidateLogStreamParent("projects/123").ok());
  EXPECT_EQ(ValidateLogStreamParent("a/logstreams").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateLogStreamParent("a//b").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateLogStreamParent("a/blobs").code(), StatusCode::kInvalidArgument);
}

TEST(LogStreamNameTest, MadeNamesRoundTrip) {
  const std::string read = MakeLogStreamReadName("p", "id1");
  EXPECT_EQ(read, "p/logstreams/id1");
  EXPECT_EQ(MakeLogStreamReadName("", "id1"), "logstreams/id1");
  auto parsed = ParseLogStreamName(MakeLogStreamWriteName(read, "tok"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->read_name, read);
  EXPECT_EQ(parsed->write_token, "tok");
}

TEST(LogStreamNameTest, IdsNameTheFrontendHoldingTheStream) {
  const std::string id = MakeLogStreamId("0a1b2c3d", "ffee");
  EXPECT_EQ(id, "0a1b2c3d-ffee");
  EXPECT_EQ(LogStreamHolderOf(MakeLogStreamReadName("inst", id)), "0a1b2c3d");
  EXPECT_EQ(LogStreamHolderOf(MakeLogStreamReadName("", id)), "0a1b2c3d");
  EXPECT_EQ(MakeLogStreamId("", "ffee"), "ffee");
  EXPECT_EQ(LogStreamHolderOf("inst/logstreams/ffee"), "");
  // Write names, CAS names and holders that are not short lowercase hex name no holder.
  EXPECT_EQ(LogStreamHolderOf("inst/logstreams/0a1b-ffee/token"), "");
  EXPECT_EQ(LogStreamHolderOf("inst/blobs/0a1b-ffee/3"), "");
  EXPECT_EQ(LogStreamHolderOf("inst/logstreams/0A1B-ffee"), "");
  EXPECT_EQ(LogStreamHolderOf("inst/logstreams/-ffee"), "");
  EXPECT_EQ(LogStreamHolderOf("inst/logstreams/" + std::string(33, 'a') + "-ffee"), "");
  EXPECT_TRUE(IsValidLogStreamHolder(std::string(32, 'f')));
  EXPECT_FALSE(IsValidLogStreamHolder("g"));
}

}  // namespace
}  // namespace kiln
