#include "common/compression.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

std::string SampleData(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>("kiln compresses"[i % 15] + (i / 4096) % 3);
  return data;
}

TEST(CompressionTest, OneShotRoundTrip) {
  std::string data = SampleData(200000);
  auto compressed = ZstdCompress(data);
  ASSERT_TRUE(compressed.ok());
  EXPECT_LT(compressed->size(), data.size());
  auto restored = ZstdDecompress(*compressed, static_cast<int64_t>(data.size()));
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(*restored, data);
}

TEST(CompressionTest, StreamingRoundTripInSmallPieces) {
  std::string data = SampleData(300000);
  ZstdCompressor compressor;
  std::string compressed;
  for (size_t offset = 0; offset < data.size(); offset += 10000) {
    bool last = offset + 10000 >= data.size();
    ASSERT_TRUE(compressor.Compress(std::string_view(data).substr(offset, 10000), last, &compressed).ok());
  }
  ZstdDecompressor decompressor;
  std::string restored;
  for (size_t offset = 0; offset < compressed.size(); offset += 333) {
    ASSERT_TRUE(decompressor.Decompress(std::string_view(compressed).substr(offset, 333), &restored, 1 << 30).ok());
  }
  EXPECT_TRUE(decompressor.AtFrameBoundary());
  EXPECT_EQ(restored, data);
}

TEST(CompressionTest, RejectsCorruptTruncatedAndOversizedInput) {
  std::string data = SampleData(50000);
  std::string compressed = *ZstdCompress(data);
  EXPECT_EQ(ZstdDecompress("definitely not zstd", 100).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ZstdDecompress(compressed.substr(0, compressed.size() / 2), 1 << 20).status().code(),
            StatusCode::kInvalidArgument);
  // A decompression bomb guard: more output than declared is refused.
  EXPECT_EQ(ZstdDecompress(compressed, 100).status().code(), StatusCode::kInvalidArgument);
}

TEST(CompressionTest, NamesParse) {
  EXPECT_EQ(*CompressionFromName("zstd"), Compression::kZstd);
  EXPECT_FALSE(CompressionFromName("brotli").ok());
}

}  // namespace
}  // namespace kiln
