// Collecting outputs from a directory laid out by hand: files, Trees, symlinks (never
// followed), output_paths versus output_files/output_directories, directory formats, and
// paths that would leave the input root.
#include "worker/output_collector.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "cas/memory_blob_store.h"
#include "testing/temp_dir.h"
#include "worker/path_beneath.h"
#include "worker/test_inputs.h"

// The deprecated output_files/output_directories and *_symlinks fields are under test.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace kiln {
namespace {

using namespace kiln::testing;  // NOLINT: test helpers
namespace fs = std::filesystem;

class OutputCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(root()); }
  std::string root() const { return dir_.path() + "/root"; }

  void Write(const std::string& relative, std::string_view content, fs::perms mode = fs::perms(0644)) {
    fs::create_directories(fs::path(root() + "/" + relative).parent_path());
    WriteFile(root() + "/" + relative, content);
    fs::permissions(root() + "/" + relative, mode);
  }
  void Symlink(const std::string& target, const std::string& relative) {
    fs::create_directories(fs::path(root() + "/" + relative).parent_path());
    fs::create_symlink(target, root() + "/" + relative);
  }

  Status Collect(const reapi::Command& command, reapi::ActionResult& result,
                 DigestFunction function = DigestFunction::kSha256) {
    auto paths = ResolveCommandPaths(command);
    EXPECT_TRUE(paths.ok()) << paths.status().ToString();
    CasUploader uploader(&cas_, function);
    OutputCollector collector(&uploader, command.output_directory_format());
    auto root_fd = OpenDirectory(root());
    return collector.Collect(root_fd->get(), *paths, result);
  }

  reapi::Tree TreeOf(const reapi::OutputDirectory& output) {
    reapi::Tree tree;
    EXPECT_TRUE(tree.ParseFromString(BlobText(cas_, output.tree_digest())));
    return tree;
  }

  TempDir dir_;
  MemoryBlobStore cas_;
};

TEST_F(OutputCollectorTest, FilesAreUploadedWithTheirExecutableBit) {
  Write("out/lib.a", "archive");
  Write("out/tool", "#!/bin/sh\n", fs::perms(0755));
  reapi::Command command;
  command.add_output_paths("out/lib.a");
  command.add_output_paths("out/tool");
  command.add_output_paths("out/missing");
  reapi::ActionResult result;
  ASSERT_TRUE(Collect(command, result).ok());
  ASSERT_EQ(result.output_files_size(), 2);  // Missing outputs are simply absent.
  EXPECT_EQ(result.output_files(0).path(), "out/lib.a");
  EXPECT_FALSE(result.output_files(0).is_executable());
  EXPECT_EQ(BlobText(cas_, result.output_files(0).digest()), "archive");
  EXPECT_EQ(result.output_files(1).path(), "out/tool");
  EXPECT_TRUE(result.output_files(1).is_executable());
}

TEST_F(OutputCollectorTest, DirectoryBecomesATreeWithSortedEntriesAndDistinctChildren) {
  Write("gen/b.txt", "b");
  Write("gen/a.txt", "a", fs::perms(0755));
  Write("gen/x/same.txt", "same");
  Write("gen/x/deeper/leaf", "leaf");
  fs::copy(root() + "/gen/x", root() + "/gen/y", fs::copy_options::recursive);  // One child for both.
  Symlink("../../etc/passwd", "gen/link");
  ASSERT_EQ(::mkfifo((root() + "/gen/fifo").c_str(), 0644), 0);
  reapi::Command command;
  command.add_output_paths("gen");
  reapi::ActionResult result;
  ASSERT_TRUE(Collect(command, result).ok());

  ASSERT_EQ(result.output_directories_size(), 1);
  const reapi::OutputDirectory& output = result.output_directories(0);
  EXPECT_EQ(output.path(), "gen");
  EXPECT_FALSE(output.is_topologically_sorted());
  EXPECT_FALSE(output.has_root_directory_digest());  // TREE_ONLY is the default.
  reapi::Tree tree = TreeOf(output);
  const reapi::Directory& root_directory = tree.root();
  ASSERT_EQ(root_directory.files_size(), 2);  // The fifo is left out.
  EXPECT_EQ(root_directory.files(0).name(), "a.txt");
  EXPECT_TRUE(root_directory.files(0).is_executable());
  EXPECT_EQ(root_directory.files(1).name(), "b.txt");
  EXPECT_EQ(BlobText(cas_, root_directory.files(1).digest()), "b");
  ASSERT_EQ(root_directory.directories_size(), 2);
  EXPECT_EQ(root_directory.directories(0).name(), "x");
  EXPECT_EQ(root_directory.directories(1).name(), "y");
  EXPECT_EQ(root_directory.directories(0).digest().hash(), root_directory.directories(1).digest().hash());
  ASSERT_EQ(root_directory.symlinks_size(), 1);
  EXPECT_EQ(root_directory.symlinks(0).name(), "link");
  EXPECT_EQ(root_directory.symlinks(0).target(), "../../etc/passwd");
  EXPECT_EQ(tree.children_size(), 2);  // x (== y) and x/deeper.
  EXPECT_TRUE(result.output_symlinks().empty());
}

TEST_F(OutputCollectorTest, DirectoryOnlyFormatAlsoStoresEachDirectory) {
  Write("gen/sub/f", "f");
  reapi::Command command;
  command.add_output_paths("gen");
  command.set_output_directory_format(reapi::Command::DIRECTORY_ONLY);
  reapi::ActionResult result;
  ASSERT_TRUE(Collect(command, result).ok());
  const reapi::OutputDirectory& output = result.output_directories(0);
  ASSERT_TRUE(output.has_root_directory_digest());
  EXPECT_TRUE(output.has_tree_digest());
  reapi::Directory root_directory;
  ASSERT_TRUE(root_directory.ParseFromString(BlobText(cas_, output.root_directory_digest())));
  EXPECT_EQ(root_directory.SerializeAsString(), TreeOf(output).root().SerializeAsString());
  reapi::Directory sub;
  ASSERT_TRUE(sub.ParseFromString(BlobText(cas_, root_directory.directories(0).digest())));
  EXPECT_EQ(sub.files(0).name(), "f");
}

TEST_F(OutputCollectorTest, OutputSymlinksAreReportedNotFollowed) {
  Symlink("/etc", "escape");
  Symlink("target.txt", "rel");
  reapi::Command command;
  command.add_output_paths("escape");
  command.add_output_paths("escape/passwd");  // Through a symlinked parent: absent.
  command.add_output_paths("rel");
  reapi::ActionResult result;
  ASSERT_TRUE(Collect(command, result).ok());
  EXPECT_TRUE(result.output_files().empty());
  EXPECT_TRUE(result.output_directories().empty());
  ASSERT_EQ(result.output_symlinks_size(), 2);
  EXPECT_EQ(result.output_symlinks(0).path(), "escape");
  EXPECT_EQ(result.output_symlinks(0).target(), "/etc");
  EXPECT_EQ(result.output_symlinks(1).target(), "target.txt");
  EXPECT_TRUE(result.output_file_symlinks().empty());
}

TEST_F(OutputCollectorTest, LegacyListsPutSymlinksInTheMatchingDeprecatedField) {
  Write("f", "file");
  Write("d/inner", "inner");
  Symlink("f", "file_link");
  Symlink("d", "dir_link");
  reapi::Command command;
  command.add_output_files("f");
  command.add_output_files("file_link");
  command.add_output_directories("d");
  command.add_output_directories("dir_link");
  reapi::ActionResult result;
  ASSERT_TRUE(Collect(command, result).ok());
  EXPECT_EQ(result.output_files_size(), 1);
  EXPECT_EQ(result.output_directories_size(), 1);
  ASSERT_EQ(result.output_file_symlinks_size(), 1);
  EXPECT_EQ(result.output_file_symlinks(0).path(), "file_link");
  ASSERT_EQ(result.output_directory_symlinks_size(), 1);
  EXPECT_EQ(result.output_directory_symlinks(0).path(), "dir_link");
  EXPECT_EQ(result.output_directory_symlinks(0).target(), "d");
  EXPECT_TRUE(result.output_symlinks().empty());
}

TEST_F(OutputCollectorTest, LegacyTypeMismatchIsFailedPrecondition) {
  Write("d/inner", "inner");
  Write("f", "file");
  reapi::Command file_is_directory;
  file_is_directory.add_output_files("d");
  reapi::ActionResult result;
  EXPECT_EQ(Collect(file_is_directory, result).code(), StatusCode::kFailedPrecondition);
  reapi::Command directory_is_file;
  directory_is_file.add_output_directories("f");
  EXPECT_EQ(Collect(directory_is_file, result).code(), StatusCode::kFailedPrecondition);
}

TEST_F(OutputCollectorTest, OutputPathsWinOverLegacyLists) {
  Write("new", "new");
  Write("old", "old");
  reapi::Command command;
  command.add_output_paths("new");
  command.add_output_files("old");
  reapi::ActionResult result;
  ASSERT_TRUE(Collect(command, result).ok());
  ASSERT_EQ(result.output_files_size(), 1);
  EXPECT_EQ(result.output_files(0).path(), "new");
}

TEST_F(OutputCollectorTest, PathsAreRelativeToTheWorkingDirectory) {
  Write("wd/out/f", "in wd");
  Write("out/f", "at root");
  reapi::Command command;
  command.set_working_directory("wd");
  command.add_output_paths("out/f");
  reapi::ActionResult result;
  ASSERT_TRUE(Collect(command, result).ok());
  ASSERT_EQ(result.output_files_size(), 1);
  EXPECT_EQ(result.output_files(0).path(), "out/f");
  EXPECT_EQ(BlobText(cas_, result.output_files(0).digest()), "in wd");
}

TEST_F(OutputCollectorTest, SymlinkedWorkingDirectoryIsNotFollowed) {
  fs::create_directories(dir_.path() + "/outside");
  WriteFile(dir_.path() + "/outside/secret", "secret");
  Symlink(dir_.path() + "/outside", "wd");
  reapi::Command command;
  command.set_working_directory("wd");
  command.add_output_paths("secret");
  reapi::ActionResult result;
  ASSERT_TRUE(Collect(command, result).ok());
  EXPECT_TRUE(result.output_files().empty());
}

TEST_F(OutputCollectorTest, DigestsUseTheActionsFunction) {
  Write("f", "content");
  Write("d/g", "more");
  reapi::Command command;
  command.add_output_paths("f");
  command.add_output_paths("d");
  reapi::ActionResult result;
  ASSERT_TRUE(Collect(command, result, DigestFunction::kSha1).ok());
  EXPECT_EQ(result.output_files(0).digest().hash(), ComputeDigest(DigestFunction::kSha1, "content").hash());
  EXPECT_EQ(result.output_directories(0).tree_digest().hash().size(), 40u);
  EXPECT_EQ(BlobText(cas_, result.output_files(0).digest(), DigestFunction::kSha1), "content");
}

}  // namespace
}  // namespace kiln
