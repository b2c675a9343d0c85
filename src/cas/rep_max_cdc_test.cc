#include "cas/rep_max_cdc.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "cas/gear_table.h"

namespace kiln {
namespace {

// RepMaxCDC as its description reads, with no reuse between chunks: for each chunk, hash
// every candidate end anew, take the first highest, and narrow the range while the chunk
// would be 2*min or longer. Slow and obviously faithful; the real one must agree with it.
std::vector<size_t> ReferenceChunks(const std::string& data, size_t min, size_t horizon) {
  const GearTable& gear = StandardGearTable();
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(data[i]); };
  std::vector<size_t> lengths;
  size_t start = 0;
  while (start < data.size()) {
    const size_t available = std::min(data.size() - start, 2 * min + horizon);
    if (available < 2 * min) {
      lengths.push_back(available);
      break;
    }
    size_t limit = available - min;  // Chunk lengths from min to limit are candidates.
    for (;;) {
      uint64_t hash = 0;
      for (size_t i = start + min - 64; i < start + min; ++i) hash = (hash << 1) + gear[byte(i)];
      uint64_t best_hash = hash;
      size_t best = min;
      for (size_t length = min + 1; length <= limit; ++length) {
        hash = (hash << 1) + gear[byte(start + length - 1)];
        if (hash > best_hash) {
          best_hash = hash;
          best = length;
        }
      }
      if (best < 2 * min) {
        lengths.push_back(best);
        start += best;
        break;
      }
      limit = best - min;
    }
  }
  return lengths;
}

std::vector<size_t> Chunks(const std::string& data, size_t min, size_t horizon) {
  auto chunker = RepMaxCdc::Create(min, horizon);
  EXPECT_TRUE(chunker.ok());
  std::vector<size_t> lengths;
  for (size_t start = 0; start < data.size();) {
    const std::string_view rest = std::string_view(data).substr(start);
    const size_t window = (*chunker)->window_bytes();
    // Show it exactly a window when more remains, as a stream would at worst.
    const bool last = rest.size() <= window;
    lengths.push_back((*chunker)->NextChunk(last ? rest : rest.substr(0, window), last));
    start += lengths.back();
  }
  return lengths;
}

std::string RandomBytes(size_t size, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string data(size, '\0');
  for (auto& c : data) c = static_cast<char>(random());
  return data;
}

TEST(RepMaxCdcTest, AgreesWithTheReferenceForManyHorizons) {
  for (size_t horizon : {size_t{0}, size_t{100}, size_t{1000}, size_t{2048}, size_t{4095}, size_t{16384}}) {
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      SCOPED_TRACE("horizon " + std::to_string(horizon) + " seed " + std::to_string(seed));
      const std::string data = RandomBytes(300 * 1024 + seed * 777, seed);
      EXPECT_EQ(Chunks(data, 2048, horizon), ReferenceChunks(data, 2048, horizon));
    }
  }
}

// Low-entropy data has long runs of equal hashes: ties must go to the first position.
TEST(RepMaxCdcTest, AgreesWithTheReferenceOnRepetitiveData) {
  std::string data;
  std::mt19937_64 random(9);
  while (data.size() < 200 * 1024) data += std::string(random() % 3000, static_cast<char>('a' + random() % 3));
  EXPECT_EQ(Chunks(data, 1024, 8192), ReferenceChunks(data, 1024, 8192));
  const std::string zeros(100 * 1024, '\0');
  EXPECT_EQ(Chunks(zeros, 1024, 8192), ReferenceChunks(zeros, 1024, 8192));
}

TEST(RepMaxCdcTest, EveryChunkIsBetweenMinAndTwiceMin) {
  const size_t min = 4096;
  const std::string data = RandomBytes(4 << 20, 5);
  const auto lengths = Chunks(data, min, 8 * min);
  size_t total = 0;
  for (size_t length : lengths) {
    EXPECT_GE(length, min);
    EXPECT_LT(length, 2 * min);
    total += length;
  }
  EXPECT_EQ(total, data.size());
  // Upstream's guidance: the mean is about min divided by Rényi's parking constant (0.7476).
  const double mean = static_cast<double>(total) / static_cast<double>(lengths.size());
  EXPECT_NEAR(mean / static_cast<double>(min), 1.0 / 0.7476, 0.05);
}

TEST(RepMaxCdcTest, ZeroHorizonCutsUniformChunks) {
  const std::string data = RandomBytes(10 * 1000 + 123, 3);
  const auto lengths = Chunks(data, 1000, 0);
  ASSERT_EQ(lengths.size(), 10u);
  for (size_t i = 0; i + 1 < lengths.size(); ++i) EXPECT_EQ(lengths[i], 1000u);
  EXPECT_EQ(lengths.back(), 1123u);
}

TEST(RepMaxCdcTest, ShortBlobIsOneChunk) {
  EXPECT_EQ(Chunks(std::string(100, 'x'), 64, 512), std::vector<size_t>{100});
  EXPECT_EQ(RepMaxCdc::Create(63, 0).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
