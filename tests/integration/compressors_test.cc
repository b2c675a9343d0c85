// REAPI's compressors against the real server: zstd, DEFLATE (raw RFC 1951) and BROTLI for
// ByteStream compressed-blobs reads and writes and for batch items, round trips included,
// and the refusals -- corrupt, cut-off and oversized compressed data, compressors kiln does
// not serve (a resource name's "gzip", an unknown enum value in a batch item).
#include "common/compression.h"
#include "common/proto_compression.h"
#include "test_util.h"

namespace kiln_test {
namespace {

using kiln::Compression;

class CompressorsTest : public KilnServerTest, public ::testing::WithParamInterface<Compression> {
 protected:
  std::string Compress(std::string_view data) {
    auto compressed = kiln::CompressBytes(GetParam(), data);
    EXPECT_TRUE(compressed.ok()) << compressed.status().ToString();
    return compressed.ok() ? *compressed : std::string();
  }
  bool IsStored(const std::string& blob) {
    std::vector<reapi::Digest> missing;
    return FindMissing(cas(), "", {ProtoDigestOf(blob)}, &missing).ok() && missing.empty();
  }
  grpc::Status BatchUpdateOne(const std::string& blob, const std::string& data, reapi::Compressor::Value compressor,
                              google::rpc::Status* item_status) {
    reapi::BatchUpdateBlobsRequest request;
    auto* item = request.add_requests();
    *item->mutable_digest() = ProtoDigestOf(blob);
    item->set_data(data);
    item->set_compressor(compressor);
    reapi::BatchUpdateBlobsResponse response;
    grpc::ClientContext context;
    SetDeadline(&context);
    grpc::Status status = cas().BatchUpdateBlobs(&context, request, &response);
    if (status.ok() && response.responses_size() == 1) *item_status = response.responses(0).status();
    return status;
  }
};

INSTANTIATE_TEST_SUITE_P(Served, CompressorsTest, ::testing::ValuesIn(kiln::kServedCompressions),
                         [](const auto& info) { return std::string(kiln::CompressionName(info.param)); });

TEST_P(CompressorsTest, ByteStreamWriteAndReadRoundTrip) {
  const std::string blob = CompressibleBytes((3 << 20) + 11, 7);
  const std::string compressed = Compress(blob);
  ASSERT_LT(compressed.size(), blob.size() / 2);
  int64_t committed = 0;
  grpc::Status status = ByteStreamWrite(bytestream(), WriteName("", blob, GetParam()), compressed, 20000, &committed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(committed, static_cast<int64_t>(compressed.size()));
  // Read back plain, compressed, and compressed from an offset into the uncompressed blob.
  std::string plain, read;
  ASSERT_TRUE(ByteStreamRead(bytestream(), ReadName("", blob), &plain).ok());
  EXPECT_TRUE(plain == blob);
  status = ByteStreamRead(bytestream(), ReadName("", blob, GetParam()), &read);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_LT(read.size(), blob.size() / 2);
  auto decompressed = kiln::DecompressBytes(GetParam(), read, static_cast<int64_t>(blob.size()));
  ASSERT_TRUE(decompressed.ok()) << decompressed.status().ToString();
  EXPECT_TRUE(*decompressed == blob);
  ASSERT_TRUE(ByteStreamRead(bytestream(), ReadName("", blob, GetParam()), &read, 123457).ok());
  auto tail = kiln::DecompressBytes(GetParam(), read, static_cast<int64_t>(blob.size()));
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  EXPECT_TRUE(*tail == blob.substr(123457));
  // A blob uploaded plain reads compressed too; so does the empty blob, never uploaded.
  const std::string other = CompressibleBytes(70000, 8);
  ASSERT_TRUE(ByteStreamWrite(bytestream(), WriteName("", other), other, 65536, &committed).ok());
  ASSERT_TRUE(ByteStreamRead(bytestream(), ReadName("", other, GetParam()), &read).ok());
  EXPECT_TRUE(*kiln::DecompressBytes(GetParam(), read, 70000) == other);
  ASSERT_TRUE(ByteStreamRead(bytestream(), ReadName("", "", GetParam()), &read).ok());
  EXPECT_EQ(*kiln::DecompressBytes(GetParam(), read, 0), "");
}

TEST_P(CompressorsTest, BatchUpdateAndBatchReadRoundTrip) {
  const std::string blob = CompressibleBytes(200000, 9);
  google::rpc::Status item;
  ASSERT_TRUE(BatchUpdateOne(blob, Compress(blob), kiln::ToProto(GetParam()), &item).ok());
  ASSERT_EQ(item.code(), 0) << Describe(item);
  EXPECT_TRUE(IsStored(blob));
  reapi::BatchReadBlobsRequest request;
  *request.add_digests() = ProtoDigestOf(blob);
  request.add_acceptable_compressors(kiln::ToProto(GetParam()));
  reapi::BatchReadBlobsResponse response;
  ASSERT_TRUE(BatchRead(cas(), request, &response).ok());
  ASSERT_EQ(response.responses_size(), 1);
  ASSERT_EQ(response.responses(0).compressor(), kiln::ToProto(GetParam())) << "the only compressor accepted";
  auto data = kiln::DecompressBytes(GetParam(), response.responses(0).data(), static_cast<int64_t>(blob.size()));
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_TRUE(*data == blob);
}

TEST_P(CompressorsTest, CorruptCutOffAndOversizedDataIsRefusedAndNothingStored) {
  const std::string blob = CompressibleBytes(300000, 10);
  const std::string compressed = Compress(blob);
  int64_t committed = 0;
  const std::string garbage(5000, '\xfe');
  const std::string cut = compressed.substr(0, compressed.size() / 2);
  // Decompresses to more than the name declares: a bomb is stopped at the declared size.
  const std::string larger = Compress(blob + blob);
  for (const std::string* data : {&garbage, &cut, &larger}) {
    EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), WriteName("", blob, GetParam()), *data, 4096, &committed),
                          grpc::StatusCode::INVALID_ARGUMENT));
    google::rpc::Status item;
    ASSERT_TRUE(BatchUpdateOne(blob, *data, kiln::ToProto(GetParam()), &item).ok());
    EXPECT_TRUE(HasStatus(item, grpc::StatusCode::INVALID_ARGUMENT, "requests[0].data"));
  }
  EXPECT_FALSE(IsStored(blob));
  ExpectStillServing();
}

using UnservedCompressorsTest = KilnServerTest;

TEST_F(UnservedCompressorsTest, AreRefusedByNameAndByValue) {
  const std::string blob = CompressibleBytes(5000, 11);
  const kiln::Digest digest = DigestOf(blob);
  // ByteStream: a compressor name REAPI does not define, in a read and in a write.
  std::string data;
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), "compressed-blobs/gzip/" + digest.ToString(), &data),
                        grpc::StatusCode::INVALID_ARGUMENT, "unsupported compressor \"gzip\""));
  int64_t committed = 0;
  EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), "uploads/" + NewUploadId() + "/compressed-blobs/gzip/" +
                                                          digest.ToString(),
                                        blob, 4096, &committed),
                        grpc::StatusCode::INVALID_ARGUMENT, "unsupported compressor \"gzip\""));
  // A batch item with a Compressor value kiln does not know fails alone.
  reapi::BatchUpdateBlobsRequest request;
  auto* item = request.add_requests();
  *item->mutable_digest() = ProtoDigestOf(blob);
  item->set_data(blob);
  item->set_compressor(static_cast<reapi::Compressor::Value>(42));
  reapi::BatchUpdateBlobsResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  ASSERT_TRUE(cas().BatchUpdateBlobs(&context, request, &response).ok());
  ASSERT_EQ(response.responses_size(), 1);
  EXPECT_TRUE(HasStatus(response.responses(0).status(), grpc::StatusCode::INVALID_ARGUMENT,
                        "requests[0].compressor 42 is not supported"));
  // A read that accepts only compressors kiln lacks is answered uncompressed.
  ASSERT_TRUE(BatchUpload(cas(), "", {blob}));
  reapi::BatchReadBlobsRequest read;
  *read.add_digests() = ProtoDigestOf(blob);
  read.add_acceptable_compressors(static_cast<reapi::Compressor::Value>(42));
  reapi::BatchReadBlobsResponse read_response;
  ASSERT_TRUE(BatchRead(cas(), read, &read_response).ok());
  ASSERT_EQ(read_response.responses_size(), 1);
  EXPECT_EQ(read_response.responses(0).compressor(), reapi::Compressor::IDENTITY);
  EXPECT_TRUE(read_response.responses(0).data() == blob);
  ExpectStillServing();
}

}  // namespace
}  // namespace kiln_test
