// ByteStream Write and QueryWriteStatus: chunked and compressed uploads, digest
// verification, early completion for blobs the server has, and resuming an interrupted
// upload from the committed_size QueryWriteStatus reports.
#include <filesystem>
#include <thread>

#include "common/resource_name.h"
#include "test_util.h"

namespace kiln_test {
namespace {

using kiln::Compression;

// Sends `data` from `first_offset` in chunks WITHOUT finish_write, then half-closes, as a
// client does when its upload is interrupted. Returns the call's final status.
grpc::Status SendWithoutFinishing(google::bytestream::ByteStream::Stub& bytestream, const std::string& name,
                                  std::string_view data, size_t chunk_size, int64_t first_offset = 0) {
  grpc::ClientContext context;
  SetDeadline(&context);
  google::bytestream::WriteResponse response;
  auto writer = bytestream.Write(&context, &response);
  for (size_t position = 0; position < data.size(); position += chunk_size) {
    google::bytestream::WriteRequest request;
    if (position == 0) request.set_resource_name(name);
    request.set_write_offset(first_offset + static_cast<int64_t>(position));
    request.set_data(std::string(data.substr(position, chunk_size)));
    if (!writer->Write(request)) break;
  }
  writer->WritesDone();
  return writer->Finish();
}

class ByteStreamWriteTest : public KilnServerTest {
 protected:
  bool IsMissing(std::string_view blob) {
    std::vector<reapi::Digest> missing;
    EXPECT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(blob)}, &missing).ok());
    return missing.size() == 1;
  }
  void ExpectReadsBack(const std::string& blob) {
    std::string data;
    grpc::Status status = ByteStreamRead(bytestream(), ReadName("", blob), &data);
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_TRUE(data == blob) << "read back " << data.size() << " of " << blob.size() << " bytes, differing";
  }
};

TEST_F(ByteStreamWriteTest, ChunkedUploadCommitsTheFullSize) {
  const std::string blob = PseudoRandomBytes((5 << 20) + 3, 1);
  int64_t committed = -2;
  grpc::Status status = ByteStreamWrite(bytestream(), WriteName("", blob), blob, 64 * 1024, &committed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(committed, static_cast<int64_t>(blob.size()));
  EXPECT_FALSE(IsMissing(blob));
  ExpectReadsBack(blob);
}

TEST_F(ByteStreamWriteTest, UploadUnderNestedInstanceWithMetadataSuffix) {
  const std::string blob = PseudoRandomBytes(70000, 2);
  // REAPI allows trailing metadata after the size in write names.
  const std::string name = kiln::MakeWriteResourceName("ci/linux", NewUploadId(), DigestOf(blob)) + "/build/42";
  int64_t committed = 0;
  grpc::Status status = ByteStreamWrite(bytestream(), name, blob, 16 * 1024, &committed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(committed, static_cast<int64_t>(blob.size()));
  std::string data;
  ASSERT_TRUE(ByteStreamRead(bytestream(), ReadName("ci/linux", blob), &data).ok());
  EXPECT_TRUE(data == blob);
}

// Both sizes: from 1 MiB on, uploads are written with direct I/O, whose writer reports the
// verdict once its last writes are done.
TEST_F(ByteStreamWriteTest, WrongDataIsInvalidArgumentAndNothingIsStored) {
  for (size_t size : {size_t{200000}, (size_t{2} << 20) + 5}) {
    SCOPED_TRACE(std::to_string(size) + " bytes");
    const std::string claimed = PseudoRandomBytes(size, 3);
    std::string actual = claimed;
    actual[123456] ^= 1;  // Same size, different hash.
    const std::string name = WriteName("", claimed);
    int64_t committed = 0;
    EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), name, actual, 32 * 1024, &committed),
                          grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_TRUE(IsMissing(claimed));
    std::string data;
    EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), ReadName("", claimed), &data), grpc::StatusCode::NOT_FOUND));
    google::bytestream::QueryWriteStatusResponse query;
    EXPECT_TRUE(HasStatus(QueryWriteStatus(bytestream(), name, &query), grpc::StatusCode::NOT_FOUND))
        << "a failed upload cannot be resumed";

    // Too many bytes, and too few bytes, for the declared size.
    EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), WriteName("", claimed), claimed + "!", 32 * 1024, &committed),
                          grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_TRUE(HasStatus(
        ByteStreamWrite(bytestream(), WriteName("", claimed), claimed.substr(1), 32 * 1024, &committed),
        grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_TRUE(IsMissing(claimed));
  }
  ExpectStillServing();
}

// Zero bytes do not hash to an arbitrary hash: such an upload is wrong data like any other.
TEST_F(ByteStreamWriteTest, ZeroByteUploadWithWrongHashIsInvalidArgument) {
  const kiln::Digest bogus = *kiln::Digest::Create(DigestFunction::kSha256, DigestOf("not empty").hash(), 0);
  int64_t committed = 0;
  EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), kiln::MakeWriteResourceName("", NewUploadId(), bogus), "", 1024,
                                        &committed),
                        grpc::StatusCode::INVALID_ARGUMENT));
}

TEST_F(ByteStreamWriteTest, EmptyBlobUploadSucceeds) {
  int64_t committed = -2;
  grpc::Status status = ByteStreamWrite(bytestream(), WriteName("", ""), "", 1024, &committed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(committed, 0);
}

TEST_F(ByteStreamWriteTest, UploadOfAPresentBlobCompletesEarly) {
  const std::string blob = PseudoRandomBytes(300000, 4);
  ASSERT_TRUE(BatchUpload(cas(), "", {blob}));
  for (Compression compression : {Compression::kIdentity, Compression::kZstd}) {
    grpc::ClientContext context;
    SetDeadline(&context);
    google::bytestream::WriteResponse response;
    auto writer = bytestream().Write(&context, &response);
    google::bytestream::WriteRequest request;
    request.set_resource_name(WriteName("", blob, compression));
    request.set_data(blob.substr(0, 1000));  // Only a first chunk, never finish_write.
    writer->Write(request);
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    ASSERT_TRUE(status.ok()) << Describe(status);
    // REAPI: the full size for plain uploads, -1 for compressed ones.
    EXPECT_EQ(response.committed_size(), compression == Compression::kZstd ? -1 : static_cast<int64_t>(blob.size()));
  }
}

TEST_F(ByteStreamWriteTest, CompressedUploadStoresTheUncompressedBlob) {
  const std::string blob = CompressibleBytes((1 << 20) + 11, 5);
  auto compressed = kiln::ZstdCompress(blob);
  ASSERT_TRUE(compressed.ok());
  int64_t committed = 0;
  grpc::Status status =
      ByteStreamWrite(bytestream(), WriteName("", blob, Compression::kZstd), *compressed, 4096, &committed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  // Offsets of a compressed upload count compressed bytes; so does the committed size.
  EXPECT_EQ(committed, static_cast<int64_t>(compressed->size()));
  ExpectReadsBack(blob);
}

TEST_F(ByteStreamWriteTest, CorruptCompressedUploadIsInvalidArgument) {
  const std::string blob = CompressibleBytes(100000, 6);
  auto compressed = kiln::ZstdCompress(blob);
  ASSERT_TRUE(compressed.ok());
  int64_t committed = 0;
  // A truncated frame, and bytes that are not zstd at all.
  EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), WriteName("", blob, Compression::kZstd),
                                        compressed->substr(0, compressed->size() - 5), 1024, &committed),
                        grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), WriteName("", blob, Compression::kZstd), blob, 1024, &committed),
                        grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(IsMissing(blob));
  ExpectStillServing();
}

TEST_F(ByteStreamWriteTest, InterruptedUploadResumesFromQueryWriteStatus) {
  const std::string blob = PseudoRandomBytes(1 << 20, 7);
  const std::string name = WriteName("", blob);
  const size_t sent = 6 * 64 * 1024;
  // The stream ends without finish_write: the call fails, but the bytes are kept.
  EXPECT_FALSE(SendWithoutFinishing(bytestream(), name, std::string_view(blob).substr(0, sent), 64 * 1024).ok());
  google::bytestream::QueryWriteStatusResponse query;
  grpc::Status status = QueryWriteStatus(bytestream(), name, &query);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_FALSE(query.complete());
  ASSERT_EQ(query.committed_size(), static_cast<int64_t>(sent));
  EXPECT_TRUE(IsMissing(blob)) << "a half-written blob must not be visible";

  // Resume in a new stream at committed_size.
  int64_t committed = 0;
  status = ByteStreamWrite(bytestream(), name, std::string_view(blob).substr(query.committed_size()), 64 * 1024,
                           &committed, query.committed_size());
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(committed, static_cast<int64_t>(blob.size()));
  status = QueryWriteStatus(bytestream(), name, &query);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(query.complete());
  EXPECT_EQ(query.committed_size(), static_cast<int64_t>(blob.size()));
  ExpectReadsBack(blob);
}

TEST_F(ByteStreamWriteTest, InterruptedCompressedUploadResumes) {
  const std::string blob = CompressibleBytes(3 << 20, 11) + PseudoRandomBytes(1 << 20, 12);
  auto compressed = kiln::ZstdCompress(blob);
  ASSERT_TRUE(compressed.ok());
  const std::string name = WriteName("", blob, Compression::kZstd);
  const size_t sent = compressed->size() / 2;  // Stops in the middle of the zstd frame.
  EXPECT_FALSE(SendWithoutFinishing(bytestream(), name, std::string_view(*compressed).substr(0, sent), 8192).ok());
  google::bytestream::QueryWriteStatusResponse query;
  ASSERT_TRUE(QueryWriteStatus(bytestream(), name, &query).ok());
  ASSERT_EQ(query.committed_size(), static_cast<int64_t>(sent)) << "compressed uploads count compressed bytes";
  int64_t committed = 0;
  grpc::Status status = ByteStreamWrite(bytestream(), name, std::string_view(*compressed).substr(sent), 8192,
                                        &committed, query.committed_size());
  ASSERT_TRUE(status.ok()) << Describe(status);
  ExpectReadsBack(blob);
}

// Small compressed input that expands far beyond the declared size must be refused
// without the server inflating it all.
TEST_F(ByteStreamWriteTest, CompressedUploadLargerThanDeclaredIsInvalidArgument) {
  const std::string zeros(64 << 20, '\0');
  auto bomb = kiln::ZstdCompress(zeros);
  ASSERT_TRUE(bomb.ok());
  const std::string claimed = "a hundred bytes or so, claimed to be the content of the bomb";
  const std::string name = kiln::MakeWriteResourceName("", NewUploadId(), DigestOf(claimed), Compression::kZstd);
  int64_t committed = 0;
  EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), name, *bomb, 64 * 1024, &committed),
                        grpc::StatusCode::INVALID_ARGUMENT));

  reapi::BatchUpdateBlobsRequest request;
  auto* item = request.add_requests();
  *item->mutable_digest() = ProtoDigestOf(claimed);
  item->set_data(*bomb);
  item->set_compressor(reapi::Compressor::ZSTD);
  reapi::BatchUpdateBlobsResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  ASSERT_TRUE(cas().BatchUpdateBlobs(&context, request, &response).ok());
  ASSERT_EQ(response.responses_size(), 1);
  EXPECT_TRUE(HasStatus(response.responses(0).status(), grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(IsMissing(claimed));
  ExpectStillServing();
}

TEST_F(ByteStreamWriteTest, QueryWriteStatusOfUnknownUploadIsNotFound) {
  google::bytestream::QueryWriteStatusResponse query;
  EXPECT_TRUE(HasStatus(QueryWriteStatus(bytestream(), WriteName("", "never started"), &query),
                        grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasStatus(QueryWriteStatus(bytestream(), "uploads/x/blobs/nothex/1", &query),
                        grpc::StatusCode::INVALID_ARGUMENT, "resource name"));
}

TEST_F(ByteStreamWriteTest, WrongWriteOffsetIsInvalidArgument) {
  const std::string blob = PseudoRandomBytes(100000, 8);
  int64_t committed = 0;
  // A fresh upload must start at 0.
  EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), WriteName("", blob), blob, 1024, &committed, 5),
                        grpc::StatusCode::INVALID_ARGUMENT, "write_offset"));
  // A gap in the middle of a stream.
  grpc::ClientContext context;
  SetDeadline(&context);
  google::bytestream::WriteResponse response;
  auto writer = bytestream().Write(&context, &response);
  google::bytestream::WriteRequest request;
  request.set_resource_name(WriteName("", blob));
  request.set_data(blob.substr(0, 1000));
  writer->Write(request);
  request.clear_resource_name();
  request.set_write_offset(2000);
  request.set_data(blob.substr(2000));
  request.set_finish_write(true);
  writer->Write(request);
  writer->WritesDone();
  EXPECT_TRUE(HasStatus(writer->Finish(), grpc::StatusCode::INVALID_ARGUMENT, "write_offset"));
  EXPECT_TRUE(IsMissing(blob));
  ExpectStillServing();
}

TEST_F(ByteStreamWriteTest, MalformedWriteNamesAreInvalidArgument) {
  const std::string blob = "some blob";
  const std::string tail = "blobs/" + DigestOf(blob).hash() + "/" + std::to_string(blob.size());
  struct Case {
    std::string name;
    const char* mention;
  };
  const Case cases[] = {
      {tail, "resource name"},                              // a read name
      {"uploads/" + tail, "resource name"},                 // no upload id
      {"uploads//" + tail, "resource name"},                // empty upload id
      {"main/blobs/uploads/u1/" + tail, "instance_name"},   // reserved segment in the instance
      {"uploads/u1/blobs/" + std::string(63, 'a') + "/9", "resource name"},
      {"uploads/u1/compressed-blobs/lz4/" + DigestOf(blob).hash() + "/9", "lz4"},
  };
  for (const Case& c : cases) {
    int64_t committed = 0;
    EXPECT_TRUE(
        HasStatus(ByteStreamWrite(bytestream(), c.name, blob, 1024, &committed), grpc::StatusCode::INVALID_ARGUMENT,
                  c.mention))
        << "\"" << c.name << "\"";
  }
  ExpectStillServing();
}

TEST_F(ByteStreamWriteTest, ResourceNameChangingMidStreamIsInvalidArgument) {
  const std::string blob = PseudoRandomBytes(5000, 9);
  grpc::ClientContext context;
  SetDeadline(&context);
  google::bytestream::WriteResponse response;
  auto writer = bytestream().Write(&context, &response);
  google::bytestream::WriteRequest request;
  request.set_resource_name(WriteName("", blob));
  request.set_data(blob.substr(0, 1000));
  writer->Write(request);
  request.set_resource_name(WriteName("", blob));  // A different upload id.
  request.set_write_offset(1000);
  request.set_data(blob.substr(1000));
  request.set_finish_write(true);
  writer->Write(request);
  writer->WritesDone();
  EXPECT_TRUE(HasStatus(writer->Finish(), grpc::StatusCode::INVALID_ARGUMENT, "resource_name"));
  EXPECT_TRUE(IsMissing(blob));
}

// Interrupted uploads are dropped after --upload-idle-timeout, temp file and all.
class UploadIdleTimeoutTest : public ByteStreamWriteTest {
  std::vector<std::string> ServerFlags() const override { return {"--upload-idle-timeout", "1s"}; }
};

TEST_F(UploadIdleTimeoutTest, IdleUploadIsForgottenAndItsTempFileRemoved) {
  const std::string blob = PseudoRandomBytes(1 << 20, 10);
  const std::string name = WriteName("", blob);
  EXPECT_FALSE(SendWithoutFinishing(bytestream(), name, std::string_view(blob).substr(0, 512 * 1024), 64 * 1024).ok());
  google::bytestream::QueryWriteStatusResponse query;
  ASSERT_TRUE(QueryWriteStatus(bytestream(), name, &query).ok());
  EXPECT_EQ(query.committed_size(), 512 * 1024);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_TRUE(HasStatus(QueryWriteStatus(bytestream(), name, &query), grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(UploadTempFiles(data_dir_.path()), 0u) << "the abandoned upload's temp file remains";
  EXPECT_TRUE(IsMissing(blob));
}

}  // namespace
}  // namespace kiln_test
