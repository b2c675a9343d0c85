#include "common/hasher.h"

#include <gtest/gtest.h>

#include <cstdio>

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

// `git hash-object` gave these ids (git 2.x, December 2026): GITSHA1 is git's blob id.
TEST(HasherTest, GitSha1IsGitsBlobId) {
  EXPECT_EQ(HashHex(DigestFunction::kGitSha1, ""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  EXPECT_EQ(HashHex(DigestFunction::kGitSha1, "abc"), "f2ba8f84ab5c1bce84a7b441cb1959cfc7093b7f");
  EXPECT_EQ(HashHex(DigestFunction::kGitSha1, "hello world\n"), "3b18e512dba79e4c8300dd08aeb37f8e728b8dad");
  // 100,000 bytes of 0, 1, ..., 250 repeated, hashed in pieces as an upload arrives.
  std::string data(100000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i % 251);
  EXPECT_EQ(HashHex(DigestFunction::kGitSha1, data), "88aea5919fa556a475407a5274e7dcd204ab3b64");
  Hasher hasher(DigestFunction::kGitSha1, static_cast<int64_t>(data.size()));
  for (size_t offset = 0; offset < data.size(); offset += 4096) hasher.Update(std::string_view(data).substr(offset, 4096));
  EXPECT_EQ(hasher.FinishHex(), "88aea5919fa556a475407a5274e7dcd204ab3b64");
  EXPECT_TRUE(HashNeedsSizeFirst(DigestFunction::kGitSha1));
  EXPECT_FALSE(HashNeedsSizeFirst(DigestFunction::kSha1));
}

// The BLAKE3 vectors themselves are in blake3_test.cc; this checks the Hasher's wiring.
TEST(HasherTest, Blake3ThroughTheHasher) {
  EXPECT_EQ(HashHex(DigestFunction::kBlake3, ""), "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
  std::string data(102400, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i % 251);
  Hasher hasher(DigestFunction::kBlake3, static_cast<int64_t>(data.size()));
  for (size_t offset = 0; offset < data.size(); offset += 16384) hasher.Update(std::string_view(data).substr(offset, 16384));
  EXPECT_EQ(hasher.FinishHex(), "bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085");
}

TEST(HasherTest, FileDigestOfEveryFunctionMatchesTheBytes) {
  std::string data(300000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 13);
  FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(std::fwrite(data.data(), 1, data.size(), file), data.size());
  std::fflush(file);
  for (DigestFunction function : kAllDigestFunctions) {
    auto digest = ComputeFileDigest(function, fileno(file), "tmp");
    ASSERT_TRUE(digest.ok()) << digest.status().ToString();
    EXPECT_EQ(*digest, ComputeDigest(function, data)) << DigestFunctionName(function);
  }
  std::fclose(file);
}

TEST(HasherTest, IncrementalEqualsOneShot) {
  std::string data(100000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  Hasher hasher(DigestFunction::kSha256, static_cast<int64_t>(data.size()));
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
    Hasher byte_at_a_time(DigestFunction::kSha256, static_cast<int64_t>(data.size()));
    for (char c : data) byte_at_a_time.Update(std::string_view(&c, 1));
    EXPECT_EQ(HashHex(DigestFunction::kSha256, data), byte_at_a_time.FinishHex()) << size << " bytes";
  }
}

}  // namespace
}  // namespace kiln
