#include "asset/local_git_repository.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/temp_dir.h"
#include "testing/test_git_repo.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

class LocalGitRepositoryTest : public ::testing::Test {
 protected:
  LocalGitRepositoryTest() {
    roots_ = std::move(FileUriRoots::FromDirectories({root_.path()})).value();
    outside_.Commit({{"README", "private"}});
    inside_.Commit({{"README", "public"}});
  }
  Status Check(const std::string& path) { return CheckLocalGitRepository(fs::canonical(path).string(), roots_); }
  static bool Refused(const Status& status, const std::string& what) {
    return status.code() == StatusCode::kPermissionDenied && status.message().find(what) != std::string::npos &&
           status.message().find("--asset-file-roots") != std::string::npos;
  }

  TempDir root_;
  TempDir elsewhere_;
  FileUriRoots roots_;
  TestGitRepo outside_{elsewhere_.path() + "/private"};
  TestGitRepo inside_{root_.path() + "/public"};
};

TEST_F(LocalGitRepositoryTest, AnOrdinaryRepositoryInsideTheRootsPasses) {
  EXPECT_TRUE(Check(inside_.path()).ok());
  ASSERT_EQ(inside_.Git("clone -q --bare . " + root_.path() + "/bare.git"), 0);
  EXPECT_TRUE(Check(root_.path() + "/bare.git").ok());
}

TEST_F(LocalGitRepositoryTest, BorrowedObjectsAreRefused) {
  // `git clone --shared` leaves objects/info/alternates pointing at the source's objects.
  ASSERT_EQ(outside_.Git("clone -q --shared . " + root_.path() + "/borrower"), 0);
  EXPECT_TRUE(Refused(Check(root_.path() + "/borrower"), "borrows objects"));
}

TEST_F(LocalGitRepositoryTest, GitdirFilesAreRefused) {
  fs::create_directories(root_.path() + "/worktree");
  std::ofstream(root_.path() + "/worktree/.git") << "gitdir: " << outside_.path() << "/.git\n";
  EXPECT_TRUE(Refused(Check(root_.path() + "/worktree"), "not a directory"));
}

TEST_F(LocalGitRepositoryTest, SymlinksOutOfTheRootsAreRefusedAndWithinThemAllowed) {
  const std::string pack_dir = inside_.path() + "/.git/objects/pack";
  fs::create_directories(pack_dir);
  ASSERT_EQ(::symlink((inside_.path() + "/README").c_str(), (pack_dir + "/inside-link").c_str()), 0);
  EXPECT_TRUE(Check(inside_.path()).ok());
  ASSERT_EQ(::symlink((outside_.path() + "/.git/objects").c_str(), (pack_dir + "/outside-link").c_str()), 0);
  EXPECT_TRUE(Refused(Check(inside_.path()), "links outside"));
}

}  // namespace
}  // namespace kiln
