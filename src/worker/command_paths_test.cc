// Resolving a Command's paths against the input root and creating the directories it
// expects, without ever following a symlink.
#include "worker/command_paths.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testing/temp_dir.h"
#include "worker/path_beneath.h"

// The deprecated output_files/output_directories are under test.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace kiln {
namespace {

namespace fs = std::filesystem;

TEST(CommandPathsTest, RelativePathComponentsDropDotsAndRefuseEscapes) {
  EXPECT_EQ(*RelativePathComponents("a/./b//c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(RelativePathComponents("")->empty());
  EXPECT_EQ(RelativePathComponents("a/../b").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RelativePathComponents("/etc").status().code(), StatusCode::kInvalidArgument);
}

TEST(CommandPathsTest, OutputsAreResolvedBelowTheWorkingDirectory) {
  reapi::Command command;
  command.set_working_directory("pkg");
  command.add_output_files("out/a.o");
  command.add_output_directories("gen");
  auto paths = ResolveCommandPaths(command);
  ASSERT_TRUE(paths.ok());
  EXPECT_FALSE(paths->uses_output_paths);
  EXPECT_EQ(paths->working_directory, std::vector<std::string>{"pkg"});
  ASSERT_EQ(paths->outputs.size(), 2u);
  EXPECT_EQ(paths->outputs[0].path, "out/a.o");
  EXPECT_EQ(paths->outputs[0].components, (std::vector<std::string>{"pkg", "out", "a.o"}));
  EXPECT_EQ(paths->outputs[0].kind, OutputKind::kFile);
  EXPECT_EQ(paths->outputs[1].kind, OutputKind::kDirectory);

  command.add_output_paths("x");
  paths = ResolveCommandPaths(command);
  EXPECT_TRUE(paths->uses_output_paths);
  ASSERT_EQ(paths->outputs.size(), 1u);
  EXPECT_EQ(paths->outputs[0].kind, OutputKind::kAny);
}

TEST(CommandPathsTest, OutputsNestWhenOneLiesInsideAnother) {
  reapi::Command command;
  command.add_output_paths("gen");
  command.add_output_paths("general");  // A common prefix of the name is not nesting.
  command.add_output_paths("out/a");
  EXPECT_FALSE(OutputsNest(*ResolveCommandPaths(command)));
  command.add_output_paths("gen/sub/file");
  EXPECT_TRUE(OutputsNest(*ResolveCommandPaths(command)));

  reapi::Command whole_root;  // The input root itself as an output holds everything.
  whole_root.add_output_paths("");
  whole_root.add_output_paths("x");
  EXPECT_TRUE(OutputsNest(*ResolveCommandPaths(whole_root)));
}

TEST(CommandPathsTest, CreatesWorkingDirectoryAndOutputParentsButNotOutputs) {
  TempDir root;
  reapi::Command command;
  command.set_working_directory("wd");
  command.add_output_paths("a/b/file");
  command.add_output_paths("c/dir");
  auto paths = ResolveCommandPaths(command);
  auto root_fd = OpenDirectory(root.path());
  ASSERT_TRUE(CreateCommandDirectories(root_fd->get(), *paths).ok());
  EXPECT_TRUE(fs::is_directory(root.path() + "/wd/a/b"));
  EXPECT_FALSE(fs::exists(root.path() + "/wd/a/b/file"));
  EXPECT_TRUE(fs::is_directory(root.path() + "/wd/c"));
  EXPECT_FALSE(fs::exists(root.path() + "/wd/c/dir"));
}

TEST(CommandPathsTest, NeverCreatesThroughASymlink) {
  TempDir root, outside;
  fs::create_directory_symlink(outside.path(), root.path() + "/link");
  reapi::Command command;
  command.add_output_paths("link/sub/file");
  auto paths = ResolveCommandPaths(command);
  auto root_fd = OpenDirectory(root.path());
  Status status = CreateCommandDirectories(root_fd->get(), *paths);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_FALSE(fs::exists(outside.path() + "/sub"));
}

}  // namespace
}  // namespace kiln
