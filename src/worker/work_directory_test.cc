// Work directories: layout, removal of whatever an action leaves (read-only directories,
// symlinks out of the tree), and that removal never changes a hardlinked CAS file.
#include "worker/work_directory.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "testing/temp_dir.h"
#include "worker/action_executor.h"
#include "worker/test_inputs.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using testing::ReadFileOrEmpty;
using testing::WriteFile;

TEST(WorkDirectoryTest, CreatesAFreshInputRootAndRemovesEverythingAfterwards) {
  TempDir work_root;
  std::string path;
  {
    auto work = WorkDirectory::Create(work_root.path() + "/work", "abc");
    ASSERT_TRUE(work.ok()) << work.status().ToString();
    path = (*work)->path();
    EXPECT_EQ(path.rfind(work_root.path() + "/work/abc-", 0), 0u) << path;
    EXPECT_TRUE(fs::is_directory((*work)->input_root()));
    EXPECT_EQ((*work)->stdout_path().find((*work)->input_root()), std::string::npos);
    auto other = WorkDirectory::Create(work_root.path() + "/work", "abc");
    EXPECT_NE((*other)->path(), path);
    fs::create_directories((*work)->input_root() + "/a/b");
    WriteFile((*work)->input_root() + "/a/b/f", "x");
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::is_empty(work_root.path() + "/work"));
}

TEST(WorkDirectoryTest, RemovesReadOnlyTreesWithoutTouchingLinkedFilesOrFollowingSymlinks) {
  TempDir dir;
  const std::string cas_file = dir.path() + "/cas_blob";
  WriteFile(cas_file, "blob");
  ::chmod(cas_file.c_str(), 0444);
  fs::create_directories(dir.path() + "/outside");
  WriteFile(dir.path() + "/outside/keep", "keep");
  const std::string tree = dir.path() + "/tree";
  fs::create_directories(tree + "/ro/deeper");
  ASSERT_EQ(::link(cas_file.c_str(), (tree + "/ro/deeper/linked").c_str()), 0);
  fs::create_directory_symlink(dir.path() + "/outside", tree + "/ro/escape");
  ::chmod((tree + "/ro/deeper").c_str(), 0500);
  ::chmod((tree + "/ro").c_str(), 0);

  ASSERT_TRUE(RemoveTree(tree).ok());
  EXPECT_FALSE(fs::exists(tree));
  struct stat st {};
  ASSERT_EQ(::stat(cas_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_EQ(ReadFileOrEmpty(dir.path() + "/outside/keep"), "keep");
  EXPECT_TRUE(RemoveTree(tree).ok());  // Already gone: fine.
}

TEST(WorkDirectoryTest, NonRootWorkerMakesReadOnlyDirectoriesWritableToRemoveThem) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to an unprivileged user";
  constexpr uid_t kNobody = 65534;
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string base = dir.path() + "/base";
  fs::create_directories(base + "/tree/ro/deeper");
  WriteFile(base + "/tree/ro/deeper/file", "x");
  ::chmod((base + "/tree/ro/deeper/file").c_str(), 0444);
  for (const auto& entry : fs::recursive_directory_iterator(base)) ::lchown(entry.path().c_str(), kNobody, kNobody);
  ::chown(base.c_str(), kNobody, kNobody);
  ::chmod((base + "/tree/ro/deeper").c_str(), 0500);
  ::chmod((base + "/tree/ro").c_str(), 0);

  pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(2);
    ::_exit(RemoveTree(base + "/tree").ok() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(fs::exists(base + "/tree"));
}

TEST(WorkDirectoryTest, CleanWorkRootEmptiesButKeepsTheRoot) {
  TempDir dir;
  fs::create_directories(dir.path() + "/left-XXXX/root/sub");
  WriteFile(dir.path() + "/left-XXXX/stdout", "old");
  ::chmod((dir.path() + "/left-XXXX/root/sub").c_str(), 0555);
  WriteFile(dir.path() + "/stray", "x");
  ASSERT_TRUE(CleanWorkRoot(dir.path()).ok());
  EXPECT_TRUE(fs::is_directory(dir.path()));
  EXPECT_TRUE(fs::is_empty(dir.path()));
  EXPECT_TRUE(CleanWorkRoot(dir.path() + "/does-not-exist").ok());
}

}  // namespace
}  // namespace kiln
