#include "common/hasher.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

// Published test vectors for "abc".
TEST(HasherTest, MatchesKnownVectorsForEveryFunction) {
  EXPECT_EQ(HashHex(DigestFunction::kSha256, "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashHex(DigestFunction::kSha1, "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(HashHex(DigestFunction::kMd5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(HashHex(DigestFunction::kSha384, "abc"),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  EXPECT_EQ(HashHex(DigestFunction::kSha512, "abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
            "454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(HasherTest, IncrementalEqualsOneShot) {
  std::string data(100000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  Hasher hasher(DigestFunction::kSha256);
  for (size_t offset = 0; offset < data.size(); offset += 777) hasher.Update(std::string_view(data).substr(offset, 777));
  EXPECT_EQ(hasher.FinishHex(), HashHex(DigestFunction::kSha256, data));
}

// Update hashes large inputs in steps (prefetching the next one): sizes around the step, and
// one far beyond it, must hash exactly as the whole input does.
TEST(HasherTest, LargeUpdatesMatchKnownVectorAndByteAtATime) {
  EXPECT_EQ(HashHex(DigestFunction::kSha256, std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  for (size_t size : {1023, 1024, 1025, 2048, 2049, 5000}) {
    std::string data(size, 'x');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 3);
    Hasher byte_at_a_time(DigestFunction::kSha256);
    for (char c : data) byte_at_a_time.Update(std::string_view(&c, 1));
    EXPECT_EQ(HashHex(DigestFunction::kSha256, data), byte_at_a_time.FinishHex()) << size << " bytes";
  }
}

}  // namespace
}  // namespace kiln
