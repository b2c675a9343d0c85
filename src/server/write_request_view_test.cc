#include "server/write_request_view.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace kiln {
namespace {

using google::bytestream::WriteRequest;

// The bytes cut into slices of `slice_size` (a receive buffer can split a message anywhere).
grpc::ByteBuffer Sliced(const std::string& bytes, size_t slice_size) {
  std::vector<grpc::Slice> slices;
  for (size_t offset = 0; offset < bytes.size(); offset += slice_size) slices.emplace_back(bytes.substr(offset, slice_size));
  return grpc::ByteBuffer(slices.data(), slices.size());
}

std::string HexOf(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) hex += std::string{kHex[c >> 4], kHex[c & 15], ' '};
  return hex;
}

std::string Joined(const WriteRequestView& view) {
  std::string joined;
  for (std::string_view piece : view.data) joined.append(piece);
  return joined;
}

TEST(WriteRequestViewTest, ReadsWhatProtobufWroteWhereverTheSlicesSplitIt) {
  WriteRequest message;
  message.set_resource_name("main/uploads/7f1c/blobs/abc/1000");
  message.set_write_offset(int64_t{5} << 40);
  message.set_finish_write(true);
  std::string data(1000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  message.set_data(data);
  const std::string bytes = message.SerializeAsString();
  for (size_t slice_size : {size_t{1}, size_t{3}, size_t{64}, bytes.size()}) {
    WriteRequestView view;
    ASSERT_TRUE(ParseWriteRequest(Sliced(bytes, slice_size), &view).ok()) << slice_size;
    EXPECT_EQ(view.resource_name, message.resource_name());
    EXPECT_EQ(view.write_offset, message.write_offset());
    EXPECT_TRUE(view.finish_write);
    EXPECT_EQ(Joined(view), data);
    EXPECT_EQ(view.data_size(), data.size());
    EXPECT_EQ(view.ToMessage().SerializeAsString(), bytes);
  }
}

TEST(WriteRequestViewTest, EmptyMessageHasDefaults) {
  WriteRequestView view;
  ASSERT_TRUE(ParseWriteRequest(grpc::ByteBuffer(), &view).ok());
  EXPECT_TRUE(view.resource_name.empty());
  EXPECT_EQ(view.write_offset, 0);
  EXPECT_FALSE(view.finish_write);
  EXPECT_TRUE(view.data.empty());
}

TEST(WriteRequestViewTest, NegativeOffsetAndUnknownFieldsAreReadAsProtobufWould) {
  WriteRequest message;
  message.set_write_offset(-1);
  message.set_data("abc");
  std::string bytes = message.SerializeAsString();
  // Unknown fields of every wire type protobuf skips: 20 varint, 21 fixed64, 22 bytes, 23 fixed32.
  bytes += std::string("\xa0\x01\x96\x01", 4);
  bytes += std::string("\xa9\x01", 2) + std::string(8, 'x');
  bytes += std::string("\xb2\x01\x02zz", 5);
  bytes += std::string("\xbd\x01", 2) + std::string(4, 'y');
  WriteRequest reference;
  ASSERT_TRUE(reference.ParseFromString(bytes));
  WriteRequestView view;
  ASSERT_TRUE(ParseWriteRequest(Sliced(bytes, 5), &view).ok());
  EXPECT_EQ(view.write_offset, reference.write_offset());
  EXPECT_EQ(Joined(view), reference.data());
}

TEST(WriteRequestViewTest, GroupsInUnknownFieldsAreSkippedAsProtobufDoes) {
  // Field 11 as a group holding a varint field and a nested group, then data.
  const std::string bytes = std::string("\x5b\x08\x01\x63\x64\x5c", 6) + std::string("\x52\x02hi", 4);
  WriteRequest reference;
  ASSERT_TRUE(reference.ParseFromString(bytes));
  WriteRequestView view;
  ASSERT_TRUE(ParseWriteRequest(Sliced(bytes, 2), &view).ok());
  EXPECT_EQ(Joined(view), "hi");
}

TEST(WriteRequestViewTest, RepeatedDataFieldKeepsTheLastAsProtobufDoes) {
  std::string bytes = std::string("\x52\x03", 2) + "one" + std::string("\x52\x03", 2) + "two";
  WriteRequest reference;
  ASSERT_TRUE(reference.ParseFromString(bytes));
  WriteRequestView view;
  ASSERT_TRUE(ParseWriteRequest(Sliced(bytes, 4), &view).ok());
  EXPECT_EQ(Joined(view), reference.data());
}

TEST(WriteRequestViewTest, MalformedMessagesAreRefusedWithTheReason) {
  const std::pair<std::string, std::string> cases[] = {
      {std::string("\x52\x05", 2) + "abc", "runs past the end"},
      {std::string("\x10", 1), "truncated varint"},
      {std::string("\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12), "truncated varint"},
      {std::string("\x00\x01", 2), "field number 0"},
      {std::string("\x53", 1), "unterminated group"},
      {std::string("\x54", 1), "unexpected wire type 4"},
      {std::string("\x5b\x64", 2), "mismatched end of group"},
      {std::string("\x80", 1), "truncated or overlong field key"},
      {std::string("\x80\x80\x80\x80\x80\x01", 6), "truncated or overlong field key"},
  };
  for (const auto& [bytes, reason] : cases) {
    WriteRequestView view;
    Status status = ParseWriteRequest(Sliced(bytes, 1), &view);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << reason;
    EXPECT_NE(status.message().find(reason), std::string::npos) << status.message();
    WriteRequest reference;
    EXPECT_FALSE(reference.ParseFromString(bytes)) << "protobuf refuses it too: " << reason;
  }
}

// Differential check against protobuf on damaged messages: whatever protobuf reads, the view
// reads the same; whatever the view refuses, protobuf refuses too. (The view may refuse a
// little more: groups, which no WriteRequest sender writes.)
TEST(WriteRequestViewTest, AgreesWithProtobufOnRandomlyDamagedMessages) {
  std::mt19937_64 random(20261121);
  for (int round = 0; round < 20000; ++round) {
    WriteRequest original;
    if (random() % 2) original.set_resource_name("uploads/" + std::to_string(random() % 1000) + "/blobs/ab/3");
    if (random() % 2) original.set_write_offset(static_cast<int64_t>(random() >> (random() % 64)));
    if (random() % 2) original.set_finish_write(true);
    if (random() % 2) original.set_data(std::string(random() % 300, static_cast<char>(random())));
    std::string bytes = original.SerializeAsString();
    switch (random() % 4) {
      case 0:  // Cut short.
        if (!bytes.empty()) bytes.resize(random() % bytes.size());
        break;
      case 1:  // A byte changed.
        if (!bytes.empty()) bytes[random() % bytes.size()] = static_cast<char>(random());
        break;
      case 2:  // Random bytes appended.
        for (int i = static_cast<int>(random() % 8); i > 0; --i) bytes.push_back(static_cast<char>(random()));
        break;
      default:  // Intact.
        break;
    }
    WriteRequest reference;
    const bool protobuf_ok = reference.ParseFromString(bytes);
    WriteRequestView view;
    const Status parsed = ParseWriteRequest(Sliced(bytes, 1 + random() % 50), &view);
    const bool view_ok = parsed.ok();
    if (protobuf_ok) {
      ASSERT_TRUE(view_ok) << "round " << round << ": " << parsed.message() << "; bytes " << HexOf(bytes);
      EXPECT_EQ(view.ToMessage().resource_name(), reference.resource_name()) << "round " << round;
      EXPECT_EQ(view.write_offset, reference.write_offset()) << "round " << round;
      EXPECT_EQ(view.finish_write, reference.finish_write()) << "round " << round;
      EXPECT_EQ(Joined(view), reference.data()) << "round " << round;
    } else if (view_ok) {
      // Protobuf refused what the view read: only invalid UTF-8 in resource_name may cause
      // that (the view leaves names to the resource-name parser, which refuses bad ones).
      EXPECT_FALSE(google::protobuf::internal::WireFormatLite::VerifyUtf8String(
          view.resource_name.data(), static_cast<int>(view.resource_name.size()),
          google::protobuf::internal::WireFormatLite::PARSE, "resource_name"))
          << "round " << round << " bytes " << HexOf(bytes);
    }
  }
}

}  // namespace
}  // namespace kiln
