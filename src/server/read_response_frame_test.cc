// Hand-framed ReadResponses must be exactly what protobuf would parse as a ReadResponse
// with that data, at every varint length boundary of the size.
#include "server/read_response_frame.h"

#include <grpcpp/impl/codegen/proto_utils.h>
#include <gtest/gtest.h>

#include "google/bytestream/bytestream.pb.h"

namespace kiln {
namespace {

google::bytestream::ReadResponse Parse(grpc::ByteBuffer buffer) {
  google::bytestream::ReadResponse response;
  EXPECT_TRUE(grpc::SerializationTraits<google::bytestream::ReadResponse>::Deserialize(&buffer, &response).ok());
  return response;
}

std::string Bytes(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i * 131 + 7);
  return bytes;
}

TEST(ReadResponseFrameTest, ParsesAsAReadResponseWithTheData) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{127}, size_t{128}, size_t{16383}, size_t{16384}, size_t{1} << 20}) {
    SCOPED_TRACE(size);
    const std::string data = Bytes(size);
    EXPECT_EQ(Parse(FrameReadResponse(data)).data(), data);
    auto owner = std::make_shared<const std::string>(data);
    EXPECT_EQ(Parse(FrameReadResponse(LentBytes{owner, owner->data(), owner->size()})).data(), data);
  }
}

TEST(ReadResponseFrameTest, HoldsLentBytesUntilGrpcReleasesThem) {
  auto owner = std::make_shared<const std::string>(Bytes(1000));
  std::weak_ptr<const std::string> watch = owner;
  {
    grpc::ByteBuffer framed = FrameReadResponse(LentBytes{owner, owner->data() + 10, 500});
    owner.reset();
    EXPECT_FALSE(watch.expired());
    EXPECT_EQ(Parse(framed).data(), Bytes(1000).substr(10, 500));
  }
  EXPECT_TRUE(watch.expired());
}

TEST(ReadResponseFrameTest, MatchesProtobufsOwnSerialization) {
  google::bytestream::ReadResponse response;
  response.set_data(Bytes(300));
  grpc::ByteBuffer framed = FrameReadResponse(response.data());
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(framed.Dump(&slices).ok());
  std::string wire;
  for (const grpc::Slice& slice : slices) wire.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  EXPECT_EQ(wire, response.SerializeAsString());
}

}  // namespace
}  // namespace kiln
