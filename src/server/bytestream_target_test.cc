#include "server/bytestream_target.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

constexpr char kHash[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(ByteStreamTargetTest, CasNamesCarryTheirInstance) {
  ByteStreamTarget read = ByteStreamTargetOf(std::string("team/a/blobs/") + kHash + "/0", false, true);
  EXPECT_EQ(read.instance_name, "team/a");
  EXPECT_FALSE(read.is_log_stream);
  ByteStreamTarget bare = ByteStreamTargetOf(std::string("blobs/") + kHash + "/0", false, true);
  EXPECT_EQ(bare.instance_name, "");
  ByteStreamTarget write =
      ByteStreamTargetOf(std::string("x/uploads/0e9d7c8e-3f0a-4d55-9c1b-8b6a2f1c7e11/blobs/") + kHash + "/0", true, true);
  EXPECT_EQ(write.instance_name, "x");
  EXPECT_FALSE(write.is_log_stream);
}

TEST(ByteStreamTargetTest, LogStreamNamesCarryTheirParent) {
  ByteStreamTarget read = ByteStreamTargetOf("team/a/logstreams/abc", false, true);
  EXPECT_TRUE(read.is_log_stream);
  EXPECT_EQ(read.instance_name, "team/a");
  ByteStreamTarget write = ByteStreamTargetOf("team/a/logstreams/abc/token", true, true);
  EXPECT_TRUE(write.is_log_stream);
  EXPECT_EQ(write.instance_name, "team/a");
  ByteStreamTarget top = ByteStreamTargetOf("logstreams/abc", false, true);
  EXPECT_TRUE(top.is_log_stream);
  EXPECT_EQ(top.instance_name, "");
  // Without log streams served, the name is a (bad) CAS name.
  EXPECT_FALSE(ByteStreamTargetOf("team/a/logstreams/abc", false, false).is_log_stream);
}

TEST(ByteStreamTargetTest, NamesThatDoNotParseHaveNoInstance) {
  ByteStreamTarget target = ByteStreamTargetOf("team/a/nonsense", false, true);
  EXPECT_EQ(target.instance_name, "");
  EXPECT_FALSE(target.is_log_stream);
}

}  // namespace
}  // namespace kiln
