#include "common/blake3.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kiln {
namespace {

struct Blake3Vector {
  size_t input_length;
  const char* hash;
  const char* keyed_hash;
  const char* derive_key;
};

#include "common/testdata/blake3_test_vectors.inc"

// The vectors' input: the bytes 0, 1, ..., 250 repeated.
std::string VectorInput(size_t length) {
  std::string input(length, '\0');
  for (size_t i = 0; i < length; ++i) input[i] = static_cast<char>(i % 251);
  return input;
}

std::string Hex(const std::vector<uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : bytes) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 0xf];
  }
  return hex;
}

std::string Output(const Blake3Hasher& hasher, size_t bytes) {
  std::vector<uint8_t> out(bytes);
  hasher.Finalize(out.data(), out.size());
  return Hex(out);
}

const uint8_t* VectorKey() { return reinterpret_cast<const uint8_t*>(kVectorKey); }

// Every implementation this CPU runs, the portable one always among them.
std::vector<Blake3Simd> AvailableSimd() {
  std::vector<Blake3Simd> all;
  for (Blake3Simd simd : {Blake3Simd::kPortable, Blake3Simd::kSse41, Blake3Simd::kAvx2}) {
    if (Blake3SimdAvailable(simd)) all.push_back(simd);
  }
  return all;
}

class Blake3Test : public ::testing::TestWithParam<Blake3Simd> {};

TEST_P(Blake3Test, PublishedVectorsInAllThreeModesWithExtendedOutput) {
  static_assert(sizeof(kVectorKey) - 1 == Blake3Hasher::kKeyBytes);
  for (const Blake3Vector& vector : kVectors) {
    SCOPED_TRACE("input of " + std::to_string(vector.input_length) + " bytes");
    const std::string input = VectorInput(vector.input_length);
    const size_t extended = std::string_view(vector.hash).size() / 2;

    Blake3Hasher hash(GetParam());
    hash.Update(input);
    EXPECT_EQ(Output(hash, extended), vector.hash);
    // The default length is a prefix of the extended output.
    EXPECT_EQ(Output(hash, 32), std::string_view(vector.hash).substr(0, 64));

    Blake3Hasher keyed = Blake3Hasher::Keyed(VectorKey(), GetParam());
    keyed.Update(input);
    EXPECT_EQ(Output(keyed, extended), vector.keyed_hash);

    Blake3Hasher derive = Blake3Hasher::DeriveKey(kVectorContext, GetParam());
    derive.Update(input);
    EXPECT_EQ(Output(derive, extended), vector.derive_key);
  }
}

// However the input is cut into Update calls (which decides where whole-chunk subtrees
// go through the SIMD code and where bytes go through the chunk buffer), the hash is the
// same as in one call.
TEST_P(Blake3Test, AnySplitOfTheInputGivesTheVectorHash) {
  for (const Blake3Vector& vector : kVectors) {
    const std::string input = VectorInput(vector.input_length);
    for (size_t piece : {1, 63, 64, 65, 1000, 1024, 1025, 4096, 16384, 20000}) {
      Blake3Hasher hasher(GetParam());
      for (size_t offset = 0; offset < input.size(); offset += piece) {
        hasher.Update(std::string_view(input).substr(offset, piece));
      }
      EXPECT_EQ(Output(hasher, 32), std::string_view(vector.hash).substr(0, 64))
          << vector.input_length << " bytes in pieces of " << piece;
    }
  }
}

TEST_P(Blake3Test, LargeInputsMatchThePortableCode) {
  // Big enough for full 64-chunk subtrees and a deep stack; odd sizes for ragged ends.
  for (size_t size : {size_t{1} << 20, (size_t{1} << 20) + 1, size_t{3} * 1000 * 1000 + 17}) {
    const std::string input = VectorInput(size);
    Blake3Hasher portable(Blake3Simd::kPortable);
    // Byte-exact against the portable code fed in unaligned pieces, which never
    // takes the many-chunks path with the same grouping.
    for (size_t offset = 0; offset < input.size(); offset += 1000) {
      portable.Update(std::string_view(input).substr(offset, 1000));
    }
    Blake3Hasher simd(GetParam());
    simd.Update(input);
    EXPECT_EQ(Output(simd, 100), Output(portable, 100)) << size << " bytes";
  }
}

TEST_P(Blake3Test, FinalizeLeavesTheStateUsable) {
  const std::string input = VectorInput(102400);
  Blake3Hasher hasher(GetParam());
  hasher.Update(std::string_view(input).substr(0, 5000));
  Blake3Hasher fork = hasher;
  (void)Output(fork, 32);
  fork.Update(std::string_view(input).substr(5000));
  EXPECT_EQ(Output(fork, 32), std::string_view(kVectors[std::size(kVectors) - 1].hash).substr(0, 64));
}

INSTANTIATE_TEST_SUITE_P(EveryAvailableImplementation, Blake3Test, ::testing::ValuesIn(AvailableSimd()),
                         [](const auto& info) {
                           std::string name(Blake3SimdName(info.param));
                           return name == "sse4.1" ? std::string("sse41") : name;
                         });

TEST(Blake3SimdTest, BestIsAvailableAndPortableAlwaysIs) {
  EXPECT_TRUE(Blake3SimdAvailable(Blake3BestSimd()));
  EXPECT_TRUE(Blake3SimdAvailable(Blake3Simd::kPortable));
}

}  // namespace
}  // namespace kiln
