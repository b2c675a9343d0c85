#include "worker/sandbox_identity.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

class SandboxIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char base[] = "/tmp/kiln-sandbox-identity-XXXXXX";
    ASSERT_NE(::mkdtemp(base), nullptr);
    base_ = base;
  }
  void TearDown() override { fs::remove_all(base_); }

  uid_t Owner(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_uid;
  }

  std::string base_;
  const SandboxIdentity separate_{kSandboxHostUid, kSandboxHostGid, true};
};

TEST_F(SandboxIdentityTest, RootServerRunsTheSandboxAsNobody) {
  SandboxIdentity identity = SandboxIdentityForThisServer();
  if (::geteuid() == 0) {
    EXPECT_TRUE(identity.separate_user);
    EXPECT_EQ(identity.host_uid, kSandboxHostUid);
  } else {
    EXPECT_FALSE(identity.separate_user);
    EXPECT_EQ(identity.host_uid, ::geteuid());
  }
}

TEST_F(SandboxIdentityTest, HandsOverDirectoriesButNeverFiles) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown needs root";
  const std::string root = base_ + "/root";
  fs::create_directories(root + "/dir/sub");
  fs::create_directories(base_ + "/outside");
  std::ofstream(root + "/file") << "cas";
  std::ofstream(root + "/dir/file") << "cas";
  fs::create_directory_symlink(base_ + "/outside", root + "/link");

  ASSERT_TRUE(HandOverDirectories(root, separate_).ok());
  EXPECT_EQ(Owner(root), kSandboxHostUid);
  EXPECT_EQ(Owner(root + "/dir"), kSandboxHostUid);
  EXPECT_EQ(Owner(root + "/dir/sub"), kSandboxHostUid);
  EXPECT_EQ(Owner(root + "/file"), 0u);
  EXPECT_EQ(Owner(root + "/dir/file"), 0u);
  EXPECT_EQ(Owner(root + "/link"), 0u);
  EXPECT_EQ(Owner(base_ + "/outside"), 0u);  // Not followed.
}

TEST_F(SandboxIdentityTest, ServerUserKeepsItsDirectories) {
  const std::string root = base_ + "/root";
  fs::create_directories(root);
  ASSERT_TRUE(HandOverDirectories(root, {::geteuid(), ::getegid(), false}).ok());
  EXPECT_EQ(Owner(root), ::geteuid());
}

TEST_F(SandboxIdentityTest, FindsTheFirstAncestorOthersCannotSearch) {
  fs::create_directories(base_ + "/a/b/root");
  ASSERT_EQ(::chmod(base_.c_str(), 0700), 0);
  EXPECT_EQ(FirstUnsearchableAncestor(base_ + "/a/b/root", separate_), base_);
  ASSERT_EQ(::chmod(base_.c_str(), 0755), 0);
  ASSERT_EQ(::chmod((base_ + "/a/b").c_str(), 0750), 0);
  EXPECT_EQ(FirstUnsearchableAncestor(base_ + "/a/b/root", separate_), base_ + "/a/b");
  ASSERT_EQ(::chmod((base_ + "/a/b").c_str(), 0755), 0);
  EXPECT_EQ(FirstUnsearchableAncestor(base_ + "/a/b/root", separate_), "");
  // Without a separate user the sandbox is the server's user, who can reach its own tree.
  ASSERT_EQ(::chmod(base_.c_str(), 0700), 0);
  EXPECT_EQ(FirstUnsearchableAncestor(base_ + "/a/b/root", {::geteuid(), ::getegid(), false}), "");
}

}  // namespace
}  // namespace kiln
