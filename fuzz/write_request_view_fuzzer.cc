// WriteRequestView (src/server/write_request_view.h) reads ByteStream WriteRequests by hand,
// straight out of gRPC's receive slices. The fuzzer cuts one message into slices at points
// it chooses (empty slices included) and checks the view against protobuf's own parsers:
// the view must accept exactly the wire data that generated code accepts (as unknown fields
// of google.protobuf.Empty: the same limits as WriteRequest's parser, 5-byte keys, 2 GiB
// lengths, 100 levels of groups, without its UTF-8 check), and read the same values as the
// generated WriteRequest wherever that parses. (UnknownFieldSet::ParseFromArray is no
// oracle: its older parser takes keys of up to 10 bytes.)
//
// Input: one byte N (mod 8), N bytes of cut points, then the message.
#include <google/protobuf/empty.pb.h>
#include <grpcpp/support/byte_buffer.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "google/bytestream/bytestream.pb.h"
#include "server/write_request_view.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::fuzz::InputReader input(data, size);
  const int cut_count = input.Byte() % 8;
  std::vector<uint8_t> cut_bytes;
  for (int i = 0; i < cut_count; ++i) cut_bytes.push_back(input.Byte());
  const std::string_view message = input.Rest();

  std::vector<size_t> cuts;
  for (uint8_t b : cut_bytes) cuts.push_back(b * (message.size() + 1) / 256);
  std::sort(cuts.begin(), cuts.end());
  std::vector<grpc::Slice> slices;
  size_t start = 0;
  for (size_t cut : cuts) {
    slices.emplace_back(message.data() + start, cut - start);
    start = cut;
  }
  slices.emplace_back(message.data() + start, message.size() - start);
  grpc::ByteBuffer buffer(slices.data(), slices.size());

  kiln::WriteRequestView view;
  const kiln::Status status = kiln::ParseWriteRequest(buffer, &view);
  if (!status.ok()) FUZZ_CHECK(status.code() == kiln::StatusCode::kInvalidArgument);

  google::protobuf::Empty wire;
  const bool wire_ok = wire.ParseFromArray(message.data(), static_cast<int>(message.size()));
  FUZZ_CHECK(status.ok() == wire_ok);

  google::bytestream::WriteRequest parsed;
  // Protobuf also refuses a resource_name that is not UTF-8, which the view leaves to the
  // resource name parser.
  if (parsed.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
    FUZZ_CHECK(status.ok());
    FUZZ_CHECK(view.resource_name == parsed.resource_name());
    FUZZ_CHECK(view.write_offset == parsed.write_offset());
    FUZZ_CHECK(view.finish_write == parsed.finish_write());
    FUZZ_CHECK(view.data_size() == parsed.data().size());
    std::string joined;
    for (std::string_view piece : view.data) joined.append(piece);
    FUZZ_CHECK(joined == parsed.data());
    const google::bytestream::WriteRequest copy = view.ToMessage();
    FUZZ_CHECK(copy.data() == parsed.data() && copy.resource_name() == parsed.resource_name());
  }
  return 0;
}
