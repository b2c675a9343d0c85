#include "asset/file_uri_roots.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/temp_dir.h"

namespace kiln {
namespace {

class FileUriRootsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root_.path() + "/sub dir");
    std::ofstream(root_.path() + "/sub dir/in.txt") << "in";
    std::ofstream(outside_.path() + "/secret.txt") << "secret";
    ::symlink((outside_.path() + "/secret.txt").c_str(), (root_.path() + "/escape").c_str());
    ::symlink((root_.path() + "/sub dir").c_str(), (outside_.path() + "/into-root").c_str());
    auto roots = FileUriRoots::FromDirectories({root_.path()});
    ASSERT_TRUE(roots.ok()) << roots.status().ToString();
    roots_ = *roots;
  }

  StatusCode CodeOf(const std::string& uri) { return roots_.Resolve(uri).status().code(); }

  TempDir root_, outside_;
  FileUriRoots roots_;
};

TEST_F(FileUriRootsTest, PathsUnderARootResolveToTheirRealPath) {
  const std::string real = std::filesystem::canonical(root_.path() + "/sub dir/in.txt").string();
  for (const std::string& uri : {"file://" + root_.path() + "/sub%20dir/in.txt", "file:" + root_.path() + "/sub dir/in.txt",
                                 "file://localhost" + root_.path() + "/sub%20dir/./../sub%20dir/in.txt?query#fragment",
                                 "file://" + outside_.path() + "/into-root/in.txt"}) {
    auto resolved = roots_.Resolve(uri);
    ASSERT_TRUE(resolved.ok()) << uri << ": " << resolved.status().ToString();
    EXPECT_EQ(*resolved, real) << uri;
  }
}

TEST_F(FileUriRootsTest, PathsLeavingTheRootsAreRefusedNamingTheFlag) {
  for (const std::string& uri : {"file://" + outside_.path() + "/secret.txt", "file://" + root_.path() + "/escape",
                                 "file://" + root_.path() + "/../" + std::filesystem::path(outside_.path()).filename().string() + "/secret.txt",
                                 "file://" + root_.path() + "/%2e%2e/" + std::filesystem::path(outside_.path()).filename().string() + "/secret.txt",
                                 "file://" + root_.path() + "-sibling/x", std::string("file:///etc/passwd")}) {
    auto resolved = roots_.Resolve(uri);
    ASSERT_EQ(resolved.status().code(), StatusCode::kPermissionDenied) << uri;
    EXPECT_NE(resolved.status().message().find(uri), std::string::npos) << resolved.status().message();
    EXPECT_NE(resolved.status().message().find("--asset-file-roots"), std::string::npos);
  }
}

TEST_F(FileUriRootsTest, OpenReadsTheCheckedFileAndRefusesWhatResolveRefuses) {
  for (const std::string& uri : {"file://" + root_.path() + "/sub%20dir/in.txt",
                                 "file://" + outside_.path() + "/into-root/in.txt"}) {
    auto file = roots_.Open(uri);
    ASSERT_TRUE(file.ok()) << uri << ": " << file.status().ToString();
    char buffer[8] = {};
    EXPECT_EQ(::read(file->get(), buffer, sizeof buffer), 2);
    EXPECT_EQ(std::string(buffer), "in");
  }
  EXPECT_EQ(roots_.Open("file://" + root_.path() + "/escape").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(roots_.Open("file://" + root_.path() + "/missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(roots_.Open("file://" + root_.path() + "/sub%20dir").status().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(::mkfifo((root_.path() + "/fifo").c_str(), 0644), 0);
  EXPECT_EQ(roots_.Open("file://" + root_.path() + "/fifo").status().code(), StatusCode::kInvalidArgument)
      << "opening a FIFO for reading would wait for a writer";
}

// Found by fuzz/asset_uri_fuzzer.cc: a URI naming a root itself threw std::out_of_range
// from Open (the server died of it, for any client allowed to fetch).
TEST_F(FileUriRootsTest, OpeningARootItselfIsRefusedAsADirectory) {
  for (const std::string& uri : {"file://" + root_.path(), "file://" + root_.path() + "/", "file://" + root_.path() + "?x/../y",
                                 "file://" + root_.path() + "/sub%20dir/.."}) {
    auto opened = roots_.Open(uri);
    ASSERT_FALSE(opened.ok()) << uri;
    EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument) << uri;
    EXPECT_NE(opened.status().message().find("names a directory"), std::string::npos) << opened.status().message();
  }
}

TEST_F(FileUriRootsTest, MissingFilesAreNotFoundOnlyInsideTheRoots) {
  EXPECT_EQ(CodeOf("file://" + root_.path() + "/missing"), StatusCode::kNotFound);
  // Outside, existing or not, the answer is the same: nothing is learnt about the server.
  EXPECT_EQ(CodeOf("file://" + outside_.path() + "/missing"), StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf("file://" + root_.path() + "/../missing"), StatusCode::kPermissionDenied);
}

TEST_F(FileUriRootsTest, MalformedUrisAndRemoteHostsAreInvalid) {
  EXPECT_EQ(CodeOf("file://otherhost" + root_.path() + "/sub%20dir/in.txt"), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("file://" + root_.path() + "/sub%2"), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("file://" + root_.path() + "/a%00b"), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("https://example.com/a"), StatusCode::kInvalidArgument);
}

TEST(FileUriRootsNoneTest, WithoutRootsEveryFileUriIsRefused) {
  FileUriRoots none;
  auto resolved = none.Resolve("file:///etc/passwd");
  EXPECT_EQ(resolved.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(resolved.status().message().find("not set"), std::string::npos) << resolved.status().message();
}

TEST(FileUriRootsResolveTest, RootsMustBeExistingDirectories) {
  TempDir dir;
  std::ofstream(dir.path() + "/file") << "x";
  for (const std::string& bad : {dir.path() + "/file", dir.path() + "/missing", std::string()}) {
    auto roots = FileUriRoots::FromDirectories({bad});
    ASSERT_EQ(roots.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(roots.status().message().find("--asset-file-roots"), std::string::npos);
  }
  auto slash = FileUriRoots::FromDirectories({"/"});
  ASSERT_TRUE(slash.ok());
  EXPECT_TRUE(slash->Resolve("file:///etc/passwd").ok());
}

TEST(FileUriForPathTest, EscapesWhatAUriReaderWouldInterpret) {
  EXPECT_EQ(FileUriForPath("/a b/c%d?e#f.txt"), "file:///a%20b/c%25d%3Fe%23f.txt");
  EXPECT_EQ(FileUriForPath("/plain/path-1_2.~"), "file:///plain/path-1_2.~");
}

}  // namespace
}  // namespace kiln
