#include "bench/bytestream_frames.h"

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

grpc::ByteBuffer Serialized(const google::protobuf::Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

TEST(ReadResponseFrameTest, DataLengthComesFromTheHeader) {
  google::bytestream::ReadResponse response;
  for (size_t size : {size_t{1}, size_t{127}, size_t{128}, size_t{1} << 20}) {
    response.set_data(std::string(size, 'r'));
    EXPECT_EQ(ReadResponseDataBytes(Serialized(response)), static_cast<int64_t>(size));
  }
  EXPECT_EQ(ReadResponseDataBytes(grpc::ByteBuffer()), 0);
}

TEST(ReadResponseFrameTest, HeaderSplitAcrossSlicesIsRead) {
  google::bytestream::ReadResponse response;
  response.set_data(std::string(300, 'r'));
  const std::string bytes = response.SerializeAsString();
  grpc::Slice slices[3] = {grpc::Slice(bytes.substr(0, 1)), grpc::Slice(bytes.substr(1, 1)), grpc::Slice(bytes.substr(2))};
  EXPECT_EQ(ReadResponseDataBytes(grpc::ByteBuffer(slices, 3)), 300);
}

TEST(ReadResponseFrameTest, OtherMessagesAreRefused) {
  google::bytestream::WriteRequest not_a_response;
  not_a_response.set_resource_name("x");
  EXPECT_EQ(ReadResponseDataBytes(Serialized(not_a_response)), -1);
  google::bytestream::ReadResponse response;
  response.set_data("abc");
  std::string truncated = response.SerializeAsString();
  truncated.pop_back();
  grpc::Slice slice(truncated);
  EXPECT_EQ(ReadResponseDataBytes(grpc::ByteBuffer(&slice, 1)), -1);
}

TEST(WriteRequestFrameTest, DefaultFieldsAreLeftOut) {
  const google::bytestream::WriteRequest request = Parse(FrameWriteRequest(WriteRequestFields{}));
  EXPECT_EQ(request.ByteSizeLong(), 0u);
}

}  // namespace
}  // namespace kiln
