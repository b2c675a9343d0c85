#include "cas/blob_split.h"

#include <gtest/gtest.h>

#include <random>

#include "cas/blob_chunk_stream.h"
#include "cas/fast_cdc.h"
#include "cas/memory_blob_store.h"
#include "cas/memory_reader.h"
#include "common/hasher.h"

namespace kiln {
namespace {

std::string RandomBytes(size_t size, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string data(size, '\0');
  for (auto& c : data) c = static_cast<char>(random());
  return data;
}

// Hands out a few bytes per Read, as a network or a slow disk might.
class TrickleReader final : public BlobReader {
 public:
  TrickleReader(std::string data, size_t step) : data_(std::move(data)), step_(step) {}
  StatusOr<size_t> Read(char* buffer, size_t max) override {
    const size_t n = std::min({max, step_, data_.size() - position_});
    std::memcpy(buffer, data_.data() + position_, n);
    position_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t step_;
  size_t position_ = 0;
};

ChunkingConfig SmallChunks() {
  ChunkingConfig config;
  config.fast_cdc_avg_bytes = 4096;
  config.rep_max_min_bytes = 2048;
  config.rep_max_horizon_bytes = 16384;
  return config;
}

std::vector<size_t> StreamLengths(std::unique_ptr<BlobReader> reader, ChunkingFunction function) {
  BlobChunkStream stream(std::move(reader), std::move(NewChunkBoundaries(function, SmallChunks())).value());
  std::vector<size_t> lengths;
  for (;;) {
    auto chunk = stream.Next();
    EXPECT_TRUE(chunk.ok());
    if (!chunk.ok() || chunk->empty()) break;
    lengths.push_back(chunk->size());
  }
  return lengths;
}

// However the reader splits its reads, the boundaries are those of the whole blob at once.
TEST(BlobChunkStreamTest, BoundariesDoNotDependOnReadSizes) {
  const std::string data = RandomBytes(500 * 1024 + 17, 1);
  for (ChunkingFunction function : {ChunkingFunction::kFastCdc2020, ChunkingFunction::kRepMaxCdc}) {
    const auto whole = StreamLengths(std::make_unique<MemoryReader>(std::make_shared<std::string>(data), 0), function);
    EXPECT_GT(whole.size(), 20u);
    EXPECT_EQ(StreamLengths(std::make_unique<TrickleReader>(data, 1000), function), whole);
    EXPECT_EQ(StreamLengths(std::make_unique<TrickleReader>(data, 7), function), whole);
  }
  auto fast = FastCdc2020::Create(FastCdcParams::ForAverage(4096, 0));
  std::vector<size_t> direct;
  for (size_t offset = 0; offset < data.size(); offset += direct.back()) {
    direct.push_back((*fast)->Cut(reinterpret_cast<const uint8_t*>(data.data()) + offset, data.size() - offset).length);
  }
  EXPECT_EQ(StreamLengths(std::make_unique<TrickleReader>(data, 4096), ChunkingFunction::kFastCdc2020), direct);
}

TEST(BlobSplitTest, ChunksAreStoredAndConcatenateToTheBlob) {
  for (ChunkingFunction function : {ChunkingFunction::kFastCdc2020, ChunkingFunction::kRepMaxCdc,
                                    ChunkingFunction::kUnspecified}) {
    MemoryBlobStore store;
    const std::string data = RandomBytes(300 * 1024, 2);
    const Digest blob = ComputeDigest(DigestFunction::kSha256, data);
    ASSERT_TRUE(WriteBlob(store, blob, data).ok());
    auto chunks = SplitStoredBlob(store, blob, function, SmallChunks());
    ASSERT_TRUE(chunks.ok()) << chunks.status().ToString();
    EXPECT_GT(chunks->size(), 10u);
    std::string assembled;
    for (const Digest& chunk : *chunks) {
      auto bytes = ReadBlob(store, chunk);
      ASSERT_TRUE(bytes.ok()) << "chunk " << chunk.ToString() << " not stored";
      assembled += *bytes;
    }
    EXPECT_EQ(assembled, data);
  }
}

TEST(BlobSplitTest, SmallBlobIsItsOwnOnlyChunk) {
  MemoryBlobStore store;
  const Digest blob = ComputeDigest(DigestFunction::kSha1, "small");
  ASSERT_TRUE(WriteBlob(store, blob, "small").ok());
  auto chunks = SplitStoredBlob(store, blob, ChunkingFunction::kFastCdc2020, SmallChunks());
  ASSERT_TRUE(chunks.ok());
  ASSERT_EQ(chunks->size(), 1u);
  EXPECT_EQ((*chunks)[0], blob);
}

TEST(BlobSplitTest, MissingBlobIsNotFoundAndEmptyBlobHasNoChunks) {
  MemoryBlobStore store;
  EXPECT_EQ(SplitStoredBlob(store, ComputeDigest(DigestFunction::kSha256, "absent"), ChunkingFunction::kFastCdc2020,
                            SmallChunks())
                .status()
                .code(),
            StatusCode::kNotFound);
  auto empty = SplitStoredBlob(store, Digest::Empty(DigestFunction::kSha256), ChunkingFunction::kRepMaxCdc, SmallChunks());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

// Two blobs that differ in a few bytes share all chunks but those around the change.
TEST(BlobSplitTest, EditedBlobSharesMostChunks) {
  MemoryBlobStore store;
  std::string data = RandomBytes(1 << 20, 3);
  const Digest first = ComputeDigest(DigestFunction::kSha256, data);
  ASSERT_TRUE(WriteBlob(store, first, data).ok());
  data.replace(data.size() / 2, 10, "0123456789");
  const Digest second = ComputeDigest(DigestFunction::kSha256, data);
  ASSERT_TRUE(WriteBlob(store, second, data).ok());
  for (ChunkingFunction function : {ChunkingFunction::kFastCdc2020, ChunkingFunction::kRepMaxCdc}) {
    auto a = SplitStoredBlob(store, first, function, SmallChunks());
    auto b = SplitStoredBlob(store, second, function, SmallChunks());
    ASSERT_TRUE(a.ok() && b.ok());
    size_t new_chunks = 0;
    for (const Digest& chunk : *b) {
      if (std::find(a->begin(), a->end(), chunk) == a->end()) ++new_chunks;
    }
    EXPECT_LE(new_chunks, 3u) << ChunkingFunctionName(function) << " of " << b->size();
  }
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST(ChunkingConfigTest, DefaultsAreValidAndRangesAreChecked) {
  EXPECT_TRUE(ValidateChunkingConfig(ChunkingConfig()).ok());
  ChunkingConfig config;
  config.fast_cdc_avg_bytes = 512;
  EXPECT_EQ(ValidateChunkingConfig(config).code(), StatusCode::kInvalidArgument);
  config = ChunkingConfig();
  config.fast_cdc_avg_bytes = 2 << 20;
  EXPECT_EQ(ValidateChunkingConfig(config).code(), StatusCode::kInvalidArgument);
  config = ChunkingConfig();
  config.rep_max_min_bytes = 32;
  EXPECT_EQ(ValidateChunkingConfig(config).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
