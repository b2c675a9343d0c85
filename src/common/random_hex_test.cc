#include "common/random_hex.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace kiln {
namespace {

TEST(RandomHexTest, IsLowercaseHexOfTheAskedLength) {
  auto hex = RandomHex(16);
  ASSERT_TRUE(hex.ok()) << hex.status().ToString();
  EXPECT_EQ(hex->size(), 32u);
  EXPECT_EQ(hex->find_first_not_of("0123456789abcdef"), std::string::npos) << *hex;
  EXPECT_EQ(RandomHex(0).value(), "");
}

int Nibble(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

TEST(RandomHexTest, EveryBitVariesAndNoValueRepeats) {
  // Over 200 draws each of the 128 bits is seen both set and clear (a stuck bit would be a
  // broken source, or fewer random bits than the length suggests).
  std::set<std::string> seen;
  std::vector<int> ever_set(32, 0), ever_clear(32, 0);
  for (int i = 0; i < 200; ++i) {
    const std::string hex = RandomHex(16).value();
    seen.insert(hex);
    for (size_t j = 0; j < hex.size(); ++j) {
      ever_set[j] |= Nibble(hex[j]);
      ever_clear[j] |= ~Nibble(hex[j]) & 0xf;
    }
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_EQ(ever_set, std::vector<int>(32, 0xf));
  EXPECT_EQ(ever_clear, std::vector<int>(32, 0xf));
}

}  // namespace
}  // namespace kiln
