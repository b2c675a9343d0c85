#include "cas/fast_cdc.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "common/hasher.h"

namespace kiln {
namespace {

struct VectorChunk {
  size_t offset;
  size_t length;
  const char* sha256;
  uint64_t fingerprint;
};

// REAPI v2.12.0's fastcdc2020_test_vectors.txt: min 4096, avg 16384, max 65535,
// normalization 2, over tests/data/chunking/SekienAkashita.jpg.
const std::vector<VectorChunk> kSeed0 = {
    {0, 19186, "0f9efa589121d5d9e9e2c4ace91337d77cae866537143f6f15a0ffd525a77c2d", 17583755766661134474ull},
    {19186, 19279, "c7c86a165573c16448cda35c9169742e85645af42be22889f8b96b8ee0ec7cb0", 4098594969649699419ull},
    {38465, 17354, "bc88521e28a8b4479cdea5f75aa721a24f3a0a7d0be903aa6d505c574e51e89d", 2365586132076908760ull},
    {55819, 16387, "4b8dac2652e4685c629d2bb1ae9d4448e676b86f2e67ca0b2fff3d9580184b79", 16009206469796846404ull},
    {72206, 19940, "c0a7062da6f2386c28e086ee0cedd5732252741269838773cff1ddb05b2df6ed", 2473608525189754172ull},
    {92146, 17320, "7fa5b12134dc75cd2ac8dc60d3a8f3c8d22f0ee9d4cf74a4aa937e2a0d2d79a5", 2504464741100432583ull},
};
const std::vector<VectorChunk> kSeed666 = {
    {0, 17635, "cb3a9d80a3569772d4ed331ca37ab0c862c759897b890fc1aac90a4f2ea3a407", 17021115692437263050ull},
    {17635, 17334, "d758c6b7b0b7eef1e996f8ccd17de6c645360b03a26c35541e7581348ac08944", 8231525949846907466ull},
    {34969, 19136, "24846aefd89e510594bae3e9d7d5ea5012067601512610fed126a3c57ba993f5", 10944310959829698982ull},
    {54105, 17467, "efa785e1fefb49f190e665f72fd246c1442079874508c312196da1fb3040d00b", 13602876513398592944ull},
    {71572, 23593, "a2f557bdd8d40d8faada963ad5f91ec54b10ccee7c5ae72754a65137592dc607", 2945079350535657389ull},
    {95165, 14301, "e131100b4a7147ccad19dc63c4a2fac1f5d8b644e1373eeb6803825024234efc", 8981594897574481255ull},
};

std::string VectorInput() {
  std::ifstream in(std::string(KILN_SOURCE_DIR) + "/tests/data/chunking/SekienAkashita.jpg", std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<FastCdcCut> CutAll(const FastCdc2020& chunker, const std::string& data) {
  std::vector<FastCdcCut> cuts;
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  for (size_t offset = 0; offset < data.size();) {
    cuts.push_back(chunker.Cut(bytes + offset, data.size() - offset));
    offset += cuts.back().length;
  }
  return cuts;
}

FastCdcParams VectorParams(uint64_t seed, int normalization = 2) {
  FastCdcParams params;
  params.min_bytes = 4096;
  params.avg_bytes = 16384;
  params.max_bytes = 65535;
  params.seed = seed;
  params.normalization = normalization;
  return params;
}

void ExpectVectors(uint64_t seed, const std::vector<VectorChunk>& expected) {
  const std::string input = VectorInput();
  ASSERT_EQ(HashHex(DigestFunction::kSha256, input), "d9e749d9367fc908876749d6502eb212fee88c9a94892fb07da5ef3ba8bc39ed");
  auto chunker = FastCdc2020::Create(VectorParams(seed));
  ASSERT_TRUE(chunker.ok()) << chunker.status().ToString();
  const auto cuts = CutAll(**chunker, input);
  ASSERT_EQ(cuts.size(), expected.size());
  size_t offset = 0;
  for (size_t i = 0; i < cuts.size(); ++i) {
    SCOPED_TRACE("chunk " + std::to_string(i));
    EXPECT_EQ(offset, expected[i].offset);
    EXPECT_EQ(cuts[i].length, expected[i].length);
    EXPECT_EQ(cuts[i].fingerprint, expected[i].fingerprint);
    EXPECT_EQ(HashHex(DigestFunction::kSha256, std::string_view(input).substr(offset, cuts[i].length)),
              expected[i].sha256);
    offset += cuts[i].length;
  }
}

TEST(FastCdcTest, GearTableIsTheReferenceTable) {
  const GearTable& gear = StandardGearTable();
  EXPECT_EQ(gear[0], 0x3b5d3c7d207e37dcull);
  EXPECT_EQ(gear[1], 0x784d68ba91123086ull);
  EXPECT_EQ(gear[128], 0xc0ce47f889336346ull);
  EXPECT_EQ(gear[255], 0xaabd2b2a451504e1ull);
}

TEST(FastCdcTest, UpstreamVectorsSeed0) { ExpectVectors(0, kSeed0); }

// The seed changes the Gear table, and so every boundary after the minimum size.
TEST(FastCdcTest, UpstreamVectorsSeed666) { ExpectVectors(666, kSeed666); }

// Normalization level 1 (not REAPI's) over the same input, as the Go implementation's tests
// pin it: checks that the level picks the masks.
TEST(FastCdcTest, NormalizationLevelOneSeed666) {
  const std::string input = VectorInput();
  auto chunker = FastCdc2020::Create(VectorParams(666, 1));
  ASSERT_TRUE(chunker.ok());
  const auto cuts = CutAll(**chunker, input);
  const std::vector<std::pair<size_t, uint64_t>> expected = {
      {10605, 9312357714466240148ull}, {55745, 226910853333574584ull},  {11346, 12271755243986371352ull},
      {5883, 14153975939352546047ull}, {11586, 5890158701071314778ull}, {14301, 8981594897574481255ull}};
  ASSERT_EQ(cuts.size(), expected.size());
  for (size_t i = 0; i < cuts.size(); ++i) {
    EXPECT_EQ(cuts[i].length, expected[i].first) << "chunk " << i;
    EXPECT_EQ(cuts[i].fingerprint, expected[i].second) << "chunk " << i;
  }
}

TEST(FastCdcTest, SizesStayWithinBounds) {
  std::mt19937_64 random(7);
  std::string data(8 << 20, '\0');
  for (auto& c : data) c = static_cast<char>(random());
  auto chunker = FastCdc2020::Create(FastCdcParams::ForAverage(64 * 1024, 0));
  ASSERT_TRUE(chunker.ok());
  const auto cuts = CutAll(**chunker, data);
  size_t total = 0;
  for (size_t i = 0; i < cuts.size(); ++i) {
    if (i + 1 < cuts.size()) EXPECT_GE(cuts[i].length, 16u * 1024);
    EXPECT_LE(cuts[i].length, 256u * 1024);
    total += cuts[i].length;
  }
  EXPECT_EQ(total, data.size());
  // Normalized chunking keeps the mean near the average (plus the skipped minimum).
  const double mean = static_cast<double>(data.size()) / static_cast<double>(cuts.size());
  EXPECT_GT(mean, 48.0 * 1024);
  EXPECT_LT(mean, 96.0 * 1024);
}

// Data with no boundary (all zeros never matches a mask) is cut at the maximum.
TEST(FastCdcTest, UniformDataIsCutAtTheMaximum) {
  const std::string zeros(1 << 20, '\0');
  auto chunker = FastCdc2020::Create(FastCdcParams::ForAverage(16 * 1024, 0));
  ASSERT_TRUE(chunker.ok());
  const auto cuts = CutAll(**chunker, zeros);
  ASSERT_EQ(cuts.size(), 16u);
  for (const auto& cut : cuts) EXPECT_EQ(cut.length, 64u * 1024);
}

TEST(FastCdcTest, ShortInputIsOneChunk) {
  auto chunker = FastCdc2020::Create(FastCdcParams::ForAverage(1024, 0));
  ASSERT_TRUE(chunker.ok());
  const std::string data(256, 'x');
  EXPECT_EQ((*chunker)->NextChunk(data, true), 256u);
}

TEST(FastCdcTest, RejectsBadParameters) {
  FastCdcParams params = FastCdcParams::ForAverage(1024, 0);
  params.min_bytes = 32;
  EXPECT_EQ(FastCdc2020::Create(params).status().code(), StatusCode::kInvalidArgument);
  params = FastCdcParams::ForAverage(1024, 0);
  params.normalization = 4;
  EXPECT_EQ(FastCdc2020::Create(params).status().code(), StatusCode::kInvalidArgument);
  // 2^26 is past the mask table.
  EXPECT_EQ(FastCdc2020::Create(FastCdcParams::ForAverage(size_t{1} << 25, 0)).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
