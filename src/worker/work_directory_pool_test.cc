// Recycled work directories must look to the next action exactly like fresh ones, and
// anything unexpected an action leaves must get its directory removed, not reused.
#include "worker/work_directory_pool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "testing/temp_dir.h"
#include "worker/test_inputs.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using testing::ReadFileOrEmpty;
using testing::WriteFile;

class WorkDirectoryPoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<WorkDirectory> Acquire(const std::string& label) {
    auto work = pool_.Acquire(label);
    EXPECT_TRUE(work.ok()) << work.status().ToString();
    return work.ok() ? std::move(work).value() : nullptr;
  }
  // The inode numbers of a work directory's entries: equal ones mean it was recycled.
  static ino_t Inode(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  }

  TempDir dir_;
  const std::string work_root_ = dir_.path() + "/work";
  WorkDirectoryPool pool_{work_root_, /*max_idle=*/2};
};

TEST_F(WorkDirectoryPoolTest, ReusesADirectoryEmptiedAndRenamedForTheNextAction) {
  ino_t root_inode;
  {
    auto first = Acquire("aaa");
    EXPECT_EQ(first->path().rfind(work_root_ + "/aaa-", 0), 0u);
    root_inode = Inode(first->input_root());
    fs::create_directories(first->input_root() + "/out/deep");
    WriteFile(first->input_root() + "/out/deep/file", "x");
    ::chmod((first->input_root() + "/out").c_str(), 0500);
    WriteFile(first->stdout_path(), "first stdout");
    WriteFile(first->stderr_path(), "first stderr");
    ::chmod(first->input_root().c_str(), 0700);
  }
  EXPECT_EQ(pool_.idle_count(), 1u);
  auto second = Acquire("bbb");
  EXPECT_EQ(second->path().rfind(work_root_ + "/bbb-", 0), 0u) << second->path();
  EXPECT_EQ(Inode(second->input_root()), root_inode);
  EXPECT_TRUE(fs::is_empty(second->input_root()));
  EXPECT_EQ(ReadFileOrEmpty(second->stdout_path()), "");
  EXPECT_EQ(ReadFileOrEmpty(second->stderr_path()), "");
  struct stat st {};
  ASSERT_EQ(::stat(second->input_root().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(std::distance(fs::directory_iterator(work_root_), fs::directory_iterator()), 1);
}

TEST_F(WorkDirectoryPoolTest, ConcurrentActionsGetDistinctDirectories) {
  auto a = Acquire("same");
  auto b = Acquire("same");
  EXPECT_NE(a->path(), b->path());
  a.reset();
  auto c = Acquire("same");
  EXPECT_NE(c->path(), b->path());
}

TEST_F(WorkDirectoryPoolTest, KeepsNoMoreThanItsLimit) {
  {
    auto a = Acquire("a");
    auto b = Acquire("b");
    auto c = Acquire("c");
  }
  EXPECT_EQ(pool_.idle_count(), 2u);
  EXPECT_EQ(std::distance(fs::directory_iterator(work_root_), fs::directory_iterator()), 2);
}

TEST_F(WorkDirectoryPoolTest, RemovesADirectoryWithAnythingBesidesItsOwnEntries) {
  std::string path;
  {
    auto work = Acquire("a");
    path = work->path();
    WriteFile(work->path() + "/planted", "x");
  }
  EXPECT_EQ(pool_.idle_count(), 0u);
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(WorkDirectoryPoolTest, RemovesADirectoryWhoseLogsWereReplacedOrLinked) {
  const std::string outside = dir_.path() + "/outside";
  WriteFile(outside, "keep");
  {
    auto work = Acquire("a");
    ASSERT_EQ(::unlink(work->stdout_path().c_str()) == 0 || errno == ENOENT, true);
    fs::create_symlink(outside, work->stdout_path());
  }
  {
    auto work = Acquire("b");
    WriteFile(work->stderr_path(), "secret");
    ASSERT_EQ(::link(work->stderr_path().c_str(), (dir_.path() + "/peek").c_str()), 0);
  }
  EXPECT_EQ(pool_.idle_count(), 0u);
  EXPECT_EQ(ReadFileOrEmpty(outside), "keep");
  EXPECT_EQ(ReadFileOrEmpty(dir_.path() + "/peek"), "secret");
}

TEST_F(WorkDirectoryPoolTest, RemovesADirectoryWhoseInputRootIsNoLongerADirectory) {
  const std::string outside = dir_.path() + "/outside";
  fs::create_directories(outside);
  WriteFile(outside + "/keep", "keep");
  {
    auto work = Acquire("a");
    fs::remove(work->input_root());
    fs::create_directory_symlink(outside, work->input_root());
  }
  EXPECT_EQ(pool_.idle_count(), 0u);
  EXPECT_EQ(ReadFileOrEmpty(outside + "/keep"), "keep");
}

TEST(WorkDirectoryPoolLifetimeTest, RemovesIdleDirectoriesWhenDestroyed) {
  TempDir dir;
  {
    WorkDirectoryPool pool(dir.path() + "/work");
    ASSERT_TRUE(pool.Acquire("a").ok());
    EXPECT_EQ(pool.idle_count(), 1u);
  }
  EXPECT_TRUE(fs::is_empty(dir.path() + "/work"));
}

}  // namespace
}  // namespace kiln
