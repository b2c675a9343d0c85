#include "asset/git_checkout.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/temp_dir.h"
#include "testing/test_git_repo.h"

namespace kiln {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

class GitCheckoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    first_ = repo_.Commit({{"README", "v1"}, {"tools/run.sh", "+x:#!/bin/sh\n"}});
    second_ = repo_.Commit({{"README", "v2"}});
    repo_.Checkout("-b feature");
    feature_ = repo_.Commit({{"README", "feature"}});
    repo_.Checkout("main");
    ASSERT_TRUE(std::filesystem::create_directory(work_.path() + "/w"));
  }

  StatusOr<std::string> Checkout(const std::string& branch, const std::string& commit) {
    return GitCheckout(*runner_, GitCheckoutRequest{repo_.uri(), branch, commit, std::chrono::seconds(60), {}},
                       work_.path() + "/w", stop_);
  }
  std::string Readme() const { return ReadFile(work_.path() + "/w/tree/README"); }

  TempDir origin_;
  TempDir work_;
  TestGitRepo repo_{origin_.path() + "/repo"};
  std::unique_ptr<Runner> runner_ = NewProcessRunner();
  std::atomic<bool> stop_{false};
  std::string first_, second_, feature_;
};

TEST_F(GitCheckoutTest, ChecksOutTheDefaultHeadWithoutGitMetadata) {
  auto commit = Checkout("", "");
  ASSERT_TRUE(commit.ok()) << commit.status().ToString();
  EXPECT_EQ(*commit, second_);
  EXPECT_EQ(Readme(), "v2");
  EXPECT_FALSE(std::filesystem::exists(work_.path() + "/w/tree/.git"));
  auto perms = std::filesystem::status(work_.path() + "/w/tree/tools/run.sh").permissions();
  EXPECT_NE(perms & std::filesystem::perms::owner_exec, std::filesystem::perms::none);
}

TEST_F(GitCheckoutTest, ChecksOutABranchTip) {
  auto commit = Checkout("feature", "");
  ASSERT_TRUE(commit.ok()) << commit.status().ToString();
  EXPECT_EQ(*commit, feature_);
  EXPECT_EQ(Readme(), "feature");
}

TEST_F(GitCheckoutTest, ChecksOutAnOlderCommit) {
  auto commit = Checkout("", first_);
  ASSERT_TRUE(commit.ok()) << commit.status().ToString();
  EXPECT_EQ(*commit, first_);
  EXPECT_EQ(Readme(), "v1");
}

TEST_F(GitCheckoutTest, CommitMustBeOnTheGivenBranch) {
  auto on_branch = Checkout("main", first_);
  ASSERT_TRUE(on_branch.ok()) << on_branch.status().ToString();
  EXPECT_EQ(Readme(), "v1");
  std::filesystem::remove_all(work_.path() + "/w/tree");
  auto elsewhere = Checkout("main", feature_);
  EXPECT_EQ(elsewhere.status().code(), StatusCode::kNotFound);
  EXPECT_NE(elsewhere.status().message().find("not on branch main"), std::string::npos);
}

TEST_F(GitCheckoutTest, MissingBranchCommitOrRepositoryIsNotFound) {
  EXPECT_EQ(Checkout("no-such-branch", "").status().code(), StatusCode::kNotFound);
  std::filesystem::remove_all(work_.path() + "/w/tree");
  EXPECT_EQ(Checkout("", std::string(40, 'e')).status().code(), StatusCode::kNotFound);
  std::filesystem::remove_all(work_.path() + "/w/tree");
  auto missing = GitCheckout(*runner_, GitCheckoutRequest{"file:///nonexistent/repo", "", "", std::chrono::seconds(60), {}},
                             work_.path() + "/w", stop_);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
}

}  // namespace
}  // namespace kiln
