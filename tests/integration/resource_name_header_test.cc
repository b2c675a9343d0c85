// REAPI's optional ByteStream header build.bazel.remote.execution.v2.resource-name: a call
// that carries it must carry the request's resource_name in it. Matching headers change
// nothing; a disagreeing one makes Read, Write (nothing stored) and QueryWriteStatus
// INVALID_ARGUMENT.
#include "test_util.h"

namespace kiln_test {
namespace {

constexpr char kHeader[] = "build.bazel.remote.execution.v2.resource-name";

using ResourceNameHeaderTest = KilnServerTest;

grpc::Status ReadWithHeader(google::bytestream::ByteStream::Stub& bytestream, const std::string& name,
                            const std::string& header, std::string* out) {
  grpc::ClientContext context;
  SetDeadline(&context);
  context.AddMetadata(kHeader, header);
  google::bytestream::ReadRequest request;
  request.set_resource_name(name);
  auto reader = bytestream.Read(&context, request);
  google::bytestream::ReadResponse response;
  out->clear();
  while (reader->Read(&response)) out->append(response.data());
  return reader->Finish();
}

grpc::Status WriteWithHeader(google::bytestream::ByteStream::Stub& bytestream, const std::string& name,
                             const std::string& header, const std::string& data) {
  grpc::ClientContext context;
  SetDeadline(&context);
  context.AddMetadata(kHeader, header);
  google::bytestream::WriteResponse response;
  auto writer = bytestream.Write(&context, &response);
  google::bytestream::WriteRequest request;
  request.set_resource_name(name);
  request.set_data(data);
  request.set_finish_write(true);
  writer->Write(request);
  writer->WritesDone();
  return writer->Finish();
}

grpc::Status QueryWithHeader(google::bytestream::ByteStream::Stub& bytestream, const std::string& name,
                             const std::string& header) {
  grpc::ClientContext context;
  SetDeadline(&context);
  context.AddMetadata(kHeader, header);
  google::bytestream::QueryWriteStatusRequest request;
  request.set_resource_name(name);
  google::bytestream::QueryWriteStatusResponse response;
  return bytestream.QueryWriteStatus(&context, request, &response);
}

TEST_F(ResourceNameHeaderTest, AMatchingHeaderIsServedAsWithout) {
  const std::string blob = PseudoRandomBytes(5000, 1);
  const std::string write_name = WriteName("team/main", blob);
  grpc::Status status = WriteWithHeader(bytestream(), write_name, write_name, blob);
  ASSERT_TRUE(status.ok()) << Describe(status);
  std::string data;
  status = ReadWithHeader(bytestream(), ReadName("team/main", blob), ReadName("team/main", blob), &data);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(data == blob);
  status = QueryWithHeader(bytestream(), write_name, write_name);
  EXPECT_TRUE(status.ok()) << Describe(status);
}

TEST_F(ResourceNameHeaderTest, ADisagreeingHeaderIsInvalidArgument) {
  const std::string blob = PseudoRandomBytes(5000, 2), other = PseudoRandomBytes(5000, 3);
  ASSERT_TRUE(BatchUpload(cas(), "", {other}));
  // A router would have sent the call by the header: to another blob, another instance.
  std::string data;
  EXPECT_TRUE(HasStatus(ReadWithHeader(bytestream(), ReadName("", other), ReadName("", blob), &data),
                        grpc::StatusCode::INVALID_ARGUMENT, kHeader));
  EXPECT_TRUE(data.empty());
  EXPECT_TRUE(HasStatus(ReadWithHeader(bytestream(), ReadName("", other), ReadName("elsewhere", other), &data),
                        grpc::StatusCode::INVALID_ARGUMENT, "does not match"));
  const std::string write_name = WriteName("", blob);
  EXPECT_TRUE(HasStatus(WriteWithHeader(bytestream(), write_name, WriteName("", other), blob),
                        grpc::StatusCode::INVALID_ARGUMENT, kHeader));
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(blob)}, &missing).ok());
  EXPECT_EQ(missing.size(), 1u) << "nothing is stored";
  EXPECT_TRUE(HasStatus(QueryWithHeader(bytestream(), write_name, ""), grpc::StatusCode::INVALID_ARGUMENT, kHeader));
  ExpectStillServing();
}

}  // namespace
}  // namespace kiln_test
