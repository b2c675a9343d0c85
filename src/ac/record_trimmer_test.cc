#include "ac/record_trimmer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "testing/temp_dir.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

class RecordTrimmerTest : public ::testing::Test {
 protected:
  // A record of `size` bytes last modified `minutes_ago`.
  void Write(const std::string& key, size_t size, int minutes_ago) {
    fs::create_directories(dir_.path() + "/" + key.substr(0, 2));
    const std::string path = PathOf(key);
    std::ofstream(path) << std::string(size, 'r');
    const auto when = fs::file_time_type::clock::now() - std::chrono::minutes(minutes_ago);
    fs::last_write_time(path, when);
  }
  std::string PathOf(const std::string& key) { return dir_.path() + "/" + key.substr(0, 2) + "/" + key; }
  bool Exists(const std::string& key) { return fs::exists(PathOf(key)); }

  TempDir dir_;
};

TEST_F(RecordTrimmerTest, DeletesTheOldestUntilTheTargetIsMet) {
  Write("aa01", 100, 50);
  Write("bb02", 100, 40);
  Write("cc03", 100, 30);
  Write("aa04", 100, 2);
  const TrimResult result = TrimRecords(dir_.path(), 250);
  EXPECT_EQ(result.bytes_before, 400);
  EXPECT_EQ(result.bytes_after, 200);
  EXPECT_EQ(result.records_deleted, 2u);
  EXPECT_FALSE(Exists("aa01"));
  EXPECT_FALSE(Exists("bb02"));
  EXPECT_TRUE(Exists("cc03"));
  EXPECT_TRUE(Exists("aa04"));
  EXPECT_EQ(RecordBytes(dir_.path()), 200);
}

TEST_F(RecordTrimmerTest, WithinOneMinuteTheOldestGoFirst) {
  // All written within the same second or so: the exact times decide.
  for (int i = 0; i < 10; ++i) {
    const std::string key = "ab" + std::to_string(i);
    fs::create_directories(dir_.path() + "/ab");
    std::ofstream(PathOf(key)) << std::string(100, 'r');
    fs::last_write_time(PathOf(key), fs::file_time_type::clock::now() - std::chrono::milliseconds(1000 - 10 * i));
  }
  const TrimResult result = TrimRecords(dir_.path(), 700);
  EXPECT_EQ(result.records_deleted, 3u);
  EXPECT_FALSE(Exists("ab0"));
  EXPECT_FALSE(Exists("ab2"));
  EXPECT_TRUE(Exists("ab3"));
  EXPECT_TRUE(Exists("ab9"));
}

TEST_F(RecordTrimmerTest, WithinTheTargetNothingIsDeleted) {
  Write("aa01", 100, 50);
  const TrimResult result = TrimRecords(dir_.path(), 100);
  EXPECT_EQ(result.records_deleted, 0u);
  EXPECT_TRUE(Exists("aa01"));
}

TEST_F(RecordTrimmerTest, WritesInProgressAreNeitherCountedNorDeleted) {
  Write("aa01", 100, 50);
  Write("aa01.tmp.1.2", 1000, 60);
  EXPECT_EQ(RecordBytes(dir_.path()), 100);
  TrimRecords(dir_.path(), 0);
  EXPECT_FALSE(Exists("aa01"));
  EXPECT_TRUE(Exists("aa01.tmp.1.2"));
}

}  // namespace
}  // namespace kiln
