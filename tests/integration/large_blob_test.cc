// A 256 MiB blob through ByteStream and back. The test never holds the blob in memory:
// 1 MiB chunks are regenerated deterministically from their index and hashed as they
// stream, on the way in and on the way out. The server must not hold it either: its peak
// resident memory stays far below the blob's size.
#include <fstream>

#include "common/hasher.h"
#include "common/proto_digest.h"
#include "common/resource_name.h"
#include "test_util.h"

namespace kiln_test {
namespace {

constexpr size_t kChunkBytes = 1 << 20;
constexpr int kChunks = 256;
constexpr int64_t kBlobBytes = int64_t{kChunks} * kChunkBytes;
constexpr auto kLargeDeadline = std::chrono::seconds(180);

std::string Chunk(int index) { return PseudoRandomBytes(kChunkBytes, 1'000'000 + index); }

kiln::Digest LargeBlobDigest() {
  kiln::Hasher hasher(DigestFunction::kSha256, kBlobBytes);
  for (int i = 0; i < kChunks; ++i) hasher.Update(Chunk(i));
  return *kiln::Digest::Create(DigestFunction::kSha256, hasher.FinishHex(), kBlobBytes);
}

using LargeBlobTest = KilnServerTest;

TEST_F(LargeBlobTest, Roundtrip256MiBThroughByteStream) {
  const kiln::Digest digest = LargeBlobDigest();

  {  // Write in 1 MiB chunks, the last with finish_write.
    grpc::ClientContext context;
    SetDeadline(&context, kLargeDeadline);
    google::bytestream::WriteResponse response;
    auto writer = bytestream().Write(&context, &response);
    for (int i = 0; i < kChunks; ++i) {
      google::bytestream::WriteRequest request;
      if (i == 0) request.set_resource_name(kiln::MakeWriteResourceName("", NewUploadId(), digest));
      request.set_write_offset(int64_t{i} * kChunkBytes);
      request.set_data(Chunk(i));
      request.set_finish_write(i == kChunks - 1);
      ASSERT_TRUE(writer->Write(request)) << "server ended the stream at chunk " << i << ": "
                                          << Describe(writer->Finish());
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(response.committed_size(), kBlobBytes);
  }

  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {kiln::ToProto(digest)}, &missing).ok());
  EXPECT_TRUE(missing.empty());

  {  // Read it all back, hashing as it streams.
    grpc::ClientContext context;
    SetDeadline(&context, kLargeDeadline);
    google::bytestream::ReadRequest request;
    request.set_resource_name(kiln::MakeReadResourceName("", digest));
    auto reader = bytestream().Read(&context, request);
    kiln::Hasher hasher(DigestFunction::kSha256, digest.size());
    google::bytestream::ReadResponse response;
    int64_t received = 0;
    while (reader->Read(&response)) {
      hasher.Update(response.data());
      received += static_cast<int64_t>(response.data().size());
    }
    grpc::Status status = reader->Finish();
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(received, kBlobBytes);
    EXPECT_EQ(hasher.FinishHex(), digest.hash());
  }

  {  // A small window deep inside the blob, across a chunk boundary.
    const int64_t offset = 200 * int64_t{kChunkBytes} - 100;
    std::string window;
    grpc::Status status = ByteStreamRead(bytestream(), kiln::MakeReadResourceName("", digest), &window, offset, 300);
    ASSERT_TRUE(status.ok()) << Describe(status);
    const std::string expected = Chunk(199).substr(kChunkBytes - 100) + Chunk(200).substr(0, 200);
    EXPECT_TRUE(window == expected);
  }

  // A server that buffered the blob would have passed 256 MiB; streaming keeps it near
  // gRPC's own buffers. (A bound on memory, not on time: it does not flake under load.)
  // AddressSanitizer's quarantine keeps freed chunks resident, so only plain builds count.
#ifndef __SANITIZE_ADDRESS__
  const int64_t peak = PeakResidentBytes(server().pid());
  ASSERT_GT(peak, 0);
  EXPECT_LT(peak, int64_t{200} << 20) << "server peak RSS " << (peak >> 20) << " MiB";
#endif
}

}  // namespace
}  // namespace kiln_test
