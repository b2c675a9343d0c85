// ByteStream Read: whole and partial reads (read_offset/read_limit), the error codes the
// ByteStream and REAPI specs assign, and compressed-blobs/zstd reads.
#include <limits>

#include "test_util.h"

namespace kiln_test {
namespace {

using kiln::Compression;

class ByteStreamReadTest : public KilnServerTest {
 protected:
  void Upload(const std::string& blob) {
    int64_t committed = 0;
    grpc::Status status = ByteStreamWrite(bytestream(), WriteName("", blob), blob, 256 * 1024, &committed);
    ASSERT_TRUE(status.ok()) << Describe(status);
    ASSERT_EQ(committed, static_cast<int64_t>(blob.size()));
  }
};

TEST_F(ByteStreamReadTest, ReadsAMultiChunkBlobWhole) {
  const std::string blob = PseudoRandomBytes((3 << 20) + 17, 1);
  Upload(blob);
  std::string data;
  grpc::Status status = ByteStreamRead(bytestream(), ReadName("", blob), &data);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(data.size(), blob.size());
  EXPECT_TRUE(data == blob);
}

TEST_F(ByteStreamReadTest, HonoursReadOffsetAndReadLimit) {
  const std::string blob = PseudoRandomBytes(10000, 2);
  Upload(blob);
  struct Case {
    int64_t offset, limit;
    std::string expected;
  };
  const Case cases[] = {
      {0, 0, blob},                   // limit 0 means no limit
      {100, 0, blob.substr(100)},     // tail
      {100, 50, blob.substr(100, 50)},
      {9990, 100, blob.substr(9990)},  // limit past the end is cut at the end
      {0, 10000, blob},
      {10000, 0, ""},                 // offset == size: empty, not an error
  };
  for (const Case& c : cases) {
    std::string data;
    grpc::Status status = ByteStreamRead(bytestream(), ReadName("", blob), &data, c.offset, c.limit);
    ASSERT_TRUE(status.ok()) << "offset " << c.offset << " limit " << c.limit << ": " << Describe(status);
    EXPECT_TRUE(data == c.expected) << "offset " << c.offset << " limit " << c.limit << " got " << data.size()
                                    << " bytes";
  }
}

TEST_F(ByteStreamReadTest, OffsetOutsideTheBlobIsOutOfRange) {
  const std::string blob = PseudoRandomBytes(1000, 3);
  Upload(blob);
  std::string data;
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), ReadName("", blob), &data, 1001), grpc::StatusCode::OUT_OF_RANGE,
                        "read_offset"));
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), ReadName("", blob), &data, -1), grpc::StatusCode::OUT_OF_RANGE,
                        "read_offset"));
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), ReadName("", blob), &data, 0, -1),
                        grpc::StatusCode::INVALID_ARGUMENT, "read_limit"));
  ExpectStillServing();
}

TEST_F(ByteStreamReadTest, MissingBlobIsNotFound) {
  std::string data;
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), ReadName("", "never uploaded"), &data),
                        grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), ReadName("", "never uploaded", Compression::kZstd), &data),
                        grpc::StatusCode::NOT_FOUND));
}

TEST_F(ByteStreamReadTest, EmptyBlobReadsAsEmptyWithoutUpload) {
  std::string data = "garbage";
  grpc::Status status = ByteStreamRead(bytestream(), ReadName("", ""), &data);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(data.empty());
  status = ByteStreamRead(bytestream(), ReadName("", "", Compression::kZstd), &data);
  ASSERT_TRUE(status.ok()) << Describe(status);
  auto decompressed = kiln::ZstdDecompress(data, 0);
  ASSERT_TRUE(decompressed.ok()) << decompressed.status().ToString();
  EXPECT_TRUE(decompressed->empty());
}

TEST_F(ByteStreamReadTest, CompressedReadDecompressesToTheBlob) {
  const std::string compressible = CompressibleBytes((2 << 20) + 5, 4);
  const std::string incompressible = PseudoRandomBytes(300000, 5);
  Upload(compressible);
  Upload(incompressible);
  for (const std::string* blob : {&compressible, &incompressible}) {
    std::string compressed;
    grpc::Status status = ByteStreamRead(bytestream(), ReadName("", *blob, Compression::kZstd), &compressed);
    ASSERT_TRUE(status.ok()) << Describe(status);
    auto data = kiln::ZstdDecompress(compressed, static_cast<int64_t>(blob->size()));
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    EXPECT_TRUE(*data == *blob);
  }
  // REAPI: for compressed reads, read_offset is an offset into the uncompressed blob.
  std::string compressed;
  ASSERT_TRUE(ByteStreamRead(bytestream(), ReadName("", compressible, Compression::kZstd), &compressed, 1000).ok());
  auto tail = kiln::ZstdDecompress(compressed, static_cast<int64_t>(compressible.size()));
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  EXPECT_TRUE(*tail == compressible.substr(1000));
}

TEST_F(ByteStreamReadTest, CompressedReadWithReadLimitIsInvalidArgument) {
  const std::string blob = CompressibleBytes(10000, 6);
  Upload(blob);
  std::string data;
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), ReadName("", blob, Compression::kZstd), &data, 0, 100),
                        grpc::StatusCode::INVALID_ARGUMENT, "read_limit"));
}

TEST_F(ByteStreamReadTest, MalformedResourceNamesAreInvalidArgument) {
  const std::string hash = ProtoDigestOf("x").hash();
  struct Case {
    std::string name;
    const char* mention;
  };
  const Case cases[] = {
      {"", "resource name"},
      {"blobs", "resource name"},
      {"blobs/" + hash, "resource name"},
      {"blobs/abc/12", "resource name"},                        // hash of no known length
      {"blobs/" + std::string(64, 'A') + "/1", "resource name"},  // uppercase hex
      {"blobs/" + hash + "/one", "resource name"},
      {"blobs/" + hash + "/-1", "resource name"},               // negative size
      {"blobs/" + hash + "/1/extra", "resource name"},
      {"blobs/sha1/" + hash + "/1", "resource name"},            // sha1 needs 40 hex chars
      {"blobs/sha256tree/" + hash + "/1", "resource name"},      // unsupported digest function
      {"compressed-blobs/identity/" + hash + "/1", "resource name"},
      {"compressed-blobs/gzip/" + hash + "/1", "gzip"},
      {"main/uploads/x/blobs/" + hash + "/1", "instance_name"},  // a write name
      {"a//b/blobs/" + hash + "/1", "instance_name"},
  };
  for (const Case& c : cases) {
    std::string data;
    EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), c.name, &data), grpc::StatusCode::INVALID_ARGUMENT, c.mention))
        << "\"" << c.name << "\"";
  }
  ExpectStillServing();
}

TEST_F(ByteStreamReadTest, HugeDeclaredSizesAreHandled) {
  std::string data;
  const std::string name = "blobs/" + std::string(64, 'a') + "/" + std::to_string(std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), name, &data), grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), "blobs/" + std::string(64, 'a') + "/99999999999999999999", &data),
                        grpc::StatusCode::INVALID_ARGUMENT, "resource name"));
  ExpectStillServing();
}

}  // namespace
}  // namespace kiln_test
