// Compressed uploads whose few KiB declare and inflate to far more (issue 12, item 5): the
// server decompresses them in bounded steps, so a real blob sent as a "bomb" is stored
// correctly, a bomb larger or smaller than its digest says is refused, and several at once
// do not grow the server's memory with the sizes they declare.
#include <fstream>
#include <thread>

#include "common/compression.h"
#include "common/resource_name.h"
#include "test_util.h"

namespace kiln_test {
namespace {

using kiln::Compression;

constexpr int64_t kMiB = 1 << 20;

// One zstd frame of `size` zero bytes, compressed from 1 MiB pieces (a few KiB in all).
std::string ZerosFrame(int64_t size) {
  kiln::ZstdCompressor compressor;
  const std::string zeros(kMiB, '\0');
  std::string out;
  for (int64_t fed = 0; fed < size;) {
    const int64_t take = std::min<int64_t>(kMiB, size - fed);
    fed += take;
    EXPECT_TRUE(compressor.Compress(std::string_view(zeros).substr(0, take), fed == size, &out).ok());
  }
  return out;
}

// The name of an upload of `size` zero bytes, declared as `declared` zero bytes.
std::string ZerosWriteName(const std::string& zeros, int64_t declared) {
  return kiln::MakeWriteResourceName("", NewUploadId(), DigestOf(std::string_view(zeros).substr(0, declared)),
                                     Compression::kZstd);
}

class ZstdBombTest : public KilnServerTest {
 protected:
  bool IsMissing(const reapi::Digest& digest) {
    std::vector<reapi::Digest> missing;
    EXPECT_TRUE(FindMissing(cas(), "", {digest}, &missing).ok());
    return missing.size() == 1;
  }
};

TEST_F(ZstdBombTest, BombShapedUploadsOfRealBlobsAreStoredAndWrongSizesRefused) {
  const int64_t size = 96 * kMiB;
  const std::string zeros(size + 1, '\0');
  const std::string frame = ZerosFrame(size);
  ASSERT_LT(frame.size(), 64u << 10);

  int64_t committed = 0;
  // The right size: stored, and read back as the blob.
  grpc::Status status = ByteStreamWrite(bytestream(), ZerosWriteName(zeros, size), frame, 32 << 10, &committed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  const std::string view(zeros, 0, size);
  std::string read_back;
  status = ByteStreamRead(bytestream(), ReadName("", view), &read_back);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(read_back == view);

  // Declared one byte short: refused as soon as the output passes the declared size.
  status = ByteStreamWrite(bytestream(), ZerosWriteName(zeros, size - 1), frame, 32 << 10, &committed);
  EXPECT_TRUE(HasStatus(status, grpc::StatusCode::INVALID_ARGUMENT, "more than the declared"));
  EXPECT_TRUE(IsMissing(ProtoDigestOf(std::string_view(zeros).substr(0, size - 1))));
  // Declared one byte more than the frame holds: refused at finish_write.
  status = ByteStreamWrite(bytestream(), ZerosWriteName(zeros, size + 1), frame, 32 << 10, &committed);
  EXPECT_TRUE(HasStatus(status, grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(IsMissing(ProtoDigestOf(zeros)));
  ExpectStillServing();
}

TEST_F(ZstdBombTest, ParallelBombsDoNotCostTheirDeclaredSizeInMemory) {
  // Four 1 GiB-declared uploads whose frames hold 128 MiB each (so that the test writes
  // 512 MiB, not 4 GiB): the old code held each chunk's whole output in memory.
  const int64_t declared = int64_t{1} << 30;
  const int64_t content = 128 * kMiB;
  const std::string frame = ZerosFrame(content);
  const int64_t before = PeakResidentBytes(server().pid());
  ASSERT_GT(before, 0);
  std::vector<std::thread> threads;
  std::vector<grpc::Status> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto channel = server().NewChannel();
      auto stub = google::bytestream::ByteStream::NewStub(channel);
      kiln::Digest digest = *kiln::Digest::Create(kiln::DigestFunction::kSha256, std::string(63, 'b') + char('0' + i),
                                                  declared);
      int64_t committed = 0;
      // The whole frame in one message: its entire output comes from one chunk.
      results[i] = ByteStreamWrite(*stub, kiln::MakeWriteResourceName("", NewUploadId(), digest, Compression::kZstd),
                                   frame, frame.size(), &committed);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const grpc::Status& result : results) {
    // The frames hold less than their digests declare.
    EXPECT_TRUE(HasStatus(result, grpc::StatusCode::INVALID_ARGUMENT));
  }
  const int64_t after = PeakResidentBytes(server().pid());
  EXPECT_LT(after - before, 200 * kMiB) << "peak resident memory grew from " << before << " to " << after
                                        << " bytes for 4 x " << content << " bytes of output";
  ExpectStillServing();
}

}  // namespace
}  // namespace kiln_test
