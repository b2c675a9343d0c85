#include "bench/write_request_frame.h"

#include <gtest/gtest.h>

#include <string>

#include "google/bytestream/bytestream.pb.h"

namespace kiln {
namespace {

google::bytestream::WriteRequest Parse(const grpc::ByteBuffer& frame) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(frame.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  google::bytestream::WriteRequest request;
  EXPECT_TRUE(request.ParseFromString(bytes));
  return request;
}

TEST(WriteRequestFrameTest, ProtobufReadsBackEveryField) {
  const std::string body(300, 'b');  // Long enough for a two-byte length varint.
  WriteRequestFields fields;
  fields.resource_name = "uploads/0b7a/blobs/abc/303";
  fields.write_offset = 1 << 20;
  fields.finish_write = true;
  fields.data = {body, "xyz"};
  const google::bytestream::WriteRequest request = Parse(FrameWriteRequest(fields));
  EXPECT_EQ(request.resource_name(), fields.resource_name);
  EXPECT_EQ(request.write_offset(), 1 << 20);
  EXPECT_TRUE(request.finish_write());
  EXPECT_EQ(request.data(), body + "xyz");
}

TEST(WriteRequestFrameTest, MatchesProtobufsOwnSerialization) {
  WriteRequestFields fields;
  fields.write_offset = 123456789;
  fields.data = {"chunk"};
  google::bytestream::WriteRequest expected;
  expected.set_write_offset(123456789);
  expected.set_data("chunk");
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(FrameWriteRequest(fields).Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  EXPECT_EQ(bytes, expected.SerializeAsString());
}

TEST(WriteRequestFrameTest, DefaultFieldsAreLeftOut) {
  const google::bytestream::WriteRequest request = Parse(FrameWriteRequest(WriteRequestFields{}));
  EXPECT_EQ(request.ByteSizeLong(), 0u);
}

}  // namespace
}  // namespace kiln
