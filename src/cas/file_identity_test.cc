#include "cas/file_identity.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace kiln {
namespace {

uint64_t StampOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return FileIdentityStamp(st);
}

TEST(FileIdentityTest, SameFileUntouchedKeepsItsStamp) {
  TempDir dir;
  const std::string path = dir.path() + "/f";
  std::ofstream(path) << "content";
  EXPECT_EQ(StampOf(path), StampOf(path));
  EXPECT_NE(StampOf(path), 0u);
}

TEST(FileIdentityTest, ChmodOrRestoredMtimeStillChangeTheStamp) {
  TempDir dir;
  const std::string path = dir.path() + "/f";
  std::ofstream(path) << "content";
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  const uint64_t stamp = FileIdentityStamp(before);
  // ctime has nanosecond resolution but coarse clock ticks: wait for it to move on.
  struct stat now {};
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
    ASSERT_EQ(::stat(path.c_str(), &now), 0);
    if (now.st_ctim.tv_nsec != before.st_ctim.tv_nsec || now.st_ctim.tv_sec != before.st_ctim.tv_sec) break;
    ::usleep(1000);
  }
  EXPECT_NE(FileIdentityStamp(now), stamp) << "chmod changes ctime";
  // A write whose mtime is then set back: the ctime still tells.
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  { std::ofstream(path, std::ios::in | std::ios::out) << "C"; }
  const timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  ASSERT_EQ(::chmod(path.c_str(), before.st_mode & 07777), 0);
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  EXPECT_NE(FileIdentityStamp(after), stamp);
}

TEST(FileIdentityTest, EveryFieldCounts) {
  struct stat st {};
  st.st_dev = 1;
  st.st_ino = 2;
  st.st_size = 3;
  st.st_mtim = {4, 5};
  st.st_ctim = {6, 7};
  const uint64_t stamp = FileIdentityStamp(st);
  struct stat other = st;
  other.st_ino = 9;
  EXPECT_NE(FileIdentityStamp(other), stamp);
  other = st;
  other.st_ctim.tv_nsec = 8;
  EXPECT_NE(FileIdentityStamp(other), stamp);
  other = st;
  other.st_mtim.tv_sec = 40;
  EXPECT_NE(FileIdentityStamp(other), stamp);
  other = st;
  other.st_size = 30;
  EXPECT_NE(FileIdentityStamp(other), stamp);
}

}  // namespace
}  // namespace kiln
