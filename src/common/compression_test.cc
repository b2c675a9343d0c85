#include "common/compression.h"

#include <gtest/gtest.h>

#include "common/proto_compression.h"

namespace kiln {
namespace {

std::string SampleData(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>("kiln compresses"[i % 15] + (i / 4096) % 3);
  return data;
}

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// Every served compressor passes the same checks.
class CodecTest : public testing::TestWithParam<Compression> {};

INSTANTIATE_TEST_SUITE_P(Served, CodecTest, testing::ValuesIn(kServedCompressions),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST_P(CodecTest, OneShotRoundTrip) {
  const std::string data = SampleData(200000);
  auto compressed = CompressBytes(GetParam(), data);
  ASSERT_TRUE(compressed.ok()) << compressed.status().ToString();
  EXPECT_LT(compressed->size(), data.size() / 10);
  auto restored = DecompressBytes(GetParam(), *compressed, static_cast<int64_t>(data.size()));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(*restored, data);
  // The empty blob, compressed, is a valid stream too.
  auto empty = CompressBytes(GetParam(), "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*DecompressBytes(GetParam(), *empty, 0), "");
}

TEST_P(CodecTest, StreamingRoundTripInSmallPieces) {
  const std::string data = SampleData(300000);
  auto compressor = NewCompressor(GetParam());
  std::string compressed;
  for (size_t offset = 0; offset < data.size(); offset += 10000) {
    const bool last = offset + 10000 >= data.size();
    ASSERT_TRUE(compressor->Compress(std::string_view(data).substr(offset, 10000), last, &compressed).ok());
  }
  auto decompressor = NewDecompressor(GetParam());
  std::string restored;
  for (size_t offset = 0; offset < compressed.size(); offset += 333) {
    EXPECT_TRUE(decompressor->AtEnd() == (offset == 0));
    ASSERT_TRUE(decompressor->DecompressTo(std::string_view(compressed).substr(offset, 333), &restored, 1 << 30).ok());
  }
  EXPECT_TRUE(decompressor->AtEnd());
  EXPECT_EQ(decompressor->produced(), static_cast<int64_t>(data.size()));
  EXPECT_EQ(restored, data);
}

TEST_P(CodecTest, RejectsCorruptTruncatedTrailingAndOversizedInput) {
  const std::string data = SampleData(50000);
  const std::string compressed = *CompressBytes(GetParam(), data);
  EXPECT_EQ(DecompressBytes(GetParam(), std::string(64, '\xff'), 1 << 20).status().code(), StatusCode::kInvalidArgument);
  auto cut = DecompressBytes(GetParam(), compressed.substr(0, compressed.size() / 2), 1 << 20);
  EXPECT_EQ(cut.status().code(), StatusCode::kInvalidArgument);
  // A decompression bomb guard: more output than declared is refused.
  auto over = DecompressBytes(GetParam(), compressed, 100);
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.status().message().find("more than the declared 100 bytes"), std::string::npos) << over.status().ToString();
  if (GetParam() != Compression::kZstd) {  // zstd takes frames one after another.
    auto trailing = DecompressBytes(GetParam(), compressed + "junk", 1 << 20);
    EXPECT_EQ(trailing.status().code(), StatusCode::kInvalidArgument);
  }
}

// A bomb (a few KiB that inflate to 64 MiB) stops at the declared size, through a buffer
// that does not grow.
TEST_P(CodecTest, BombStopsAtTheDeclaredSize) {
  auto compressor = NewCompressor(GetParam());
  std::string bomb;
  const std::string zeros(1 << 20, '\0');
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(compressor->Compress(zeros, i == 63, &bomb).ok());
  ASSERT_LT(bomb.size(), size_t{1} << 20);
  auto decompressor = NewDecompressor(GetParam());
  size_t largest_piece = 0;
  Status status = decompressor->Decompress(
      bomb,
      [&](std::string_view piece) {
        largest_piece = std::max(largest_piece, piece.size());
        return Status::Ok();
      },
      1 << 20);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decompressor->produced(), (1 << 20) + 1);
  EXPECT_LE(largest_piece, size_t{128} << 10);
}

// REAPI's DEFLATE is RFC 1951 without zlib's or gzip's header: this is Python's
// zlib.compressobj(6, DEFLATED, -15) output.
TEST(CompressionTest, DeflateIsRawRfc1951) {
  const std::string reference = FromHex("cbceccc953282e484dcc2e56284a2c5748494dcb492c49d551c8c62e0100");
  auto restored = DecompressBytes(Compression::kDeflate, reference, 1000);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(*restored, "kiln speaks raw deflate, kiln speaks raw deflate");
  EXPECT_EQ(*DecompressBytes(Compression::kDeflate, FromHex("0300"), 0), "");
  // And what kiln writes starts with a block header, not zlib's 0x78.
  EXPECT_NE(CompressBytes(Compression::kDeflate, "abc")->front(), '\x78');
}

TEST(CompressionTest, NamesParse) {
  for (Compression compression : kServedCompressions) {
    EXPECT_EQ(*CompressionFromName(CompressionName(compression)), compression);
    EXPECT_EQ(*CompressionFromProto(ToProto(compression), "compressor"), compression);
  }
  EXPECT_EQ(*CompressionFromName("identity"), Compression::kIdentity);
  EXPECT_EQ(CompressionName(Compression::kBrotli), "brotli");
  EXPECT_EQ(CompressionName(Compression::kDeflate), "deflate");
  EXPECT_FALSE(CompressionFromName("gzip").ok());
  EXPECT_FALSE(CompressionFromName("ZSTD").ok());
  auto unknown = CompressionFromProto(static_cast<reapi::Compressor::Value>(9), "requests[2].compressor");
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("requests[2].compressor 9"), std::string::npos);
}

}  // namespace
}  // namespace kiln
